//! The printed schema stays in step with the code.

use callpurpose_gateway::graphql;

#[test]
fn schema_graphql_matches_the_code() {
    let printed = graphql::sdl(false);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &printed).expect("writing schema.graphql");
    }
    let stored = std::fs::read_to_string(path).unwrap_or_default();

    assert!(
        stored == printed,
        "schema.graphql is out of date: run `UPDATE_SCHEMA=1 cargo test --test api schema` \
         or `cargo run -- print-schema > schema.graphql`"
    );
}

/// Definitions in the SDL that lack a description: types, fields,
/// arguments, input fields and enum values. Federation's own machinery
/// (names starting with `_`) and built-in directives are not ours to
/// describe.
fn undescribed(sdl: &str) -> Vec<String> {
    let mut missing = Vec::new();
    let mut in_description = false;
    let mut described = false;
    let mut in_own_type = true;
    for line in sdl.lines() {
        let trimmed = line.trim();
        if trimmed == "\"\"\"" {
            in_description = !in_description;
            described = !in_description;
            continue;
        }
        if in_description || trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with('"') && trimmed.ends_with('"') && trimmed.len() > 1 {
            described = true;
            continue;
        }
        let top_level = !line.starts_with('\t') && !line.starts_with(' ');
        if top_level {
            let keyword = trimmed.split_whitespace().next().unwrap_or_default();
            let name = trimmed.split_whitespace().nth(1).unwrap_or_default();
            in_own_type = matches!(keyword, "type" | "input" | "enum" | "interface")
                && !name.starts_with('_');
            if in_own_type && !described {
                missing.push(trimmed.to_owned());
            }
        } else if in_own_type
            && !trimmed.starts_with(')')
            && trimmed != "}"
            && !trimmed.starts_with('_')
            && !described
        {
            missing.push(trimmed.to_owned());
        }
        described = false;
    }
    missing
}

#[test]
fn every_type_field_argument_and_enum_value_has_a_description() {
    let missing = undescribed(&graphql::sdl(false));

    assert!(missing.is_empty(), "without a description: {missing:#?}");
}

#[test]
fn the_description_check_notices_a_missing_description() {
    let sdl = "\"\"\"\nDescribed.\n\"\"\"\ntype A {\n\tx: Int\n}\n";

    assert_eq!(undescribed(sdl), vec!["x: Int".to_owned()]);
}

#[test]
fn the_federation_sdl_links_federation_v2_and_keys_every_entity() {
    let sdl = graphql::sdl(true);

    assert!(sdl.contains("extend schema @link("), "{sdl}");
    assert!(
        sdl.contains("url: \"https://specs.apollo.dev/federation/v2."),
        "{sdl}"
    );
    for entity in ["CallPurpose", "User", "Call"] {
        assert!(
            sdl.contains(&format!(
                "type {entity} implements Node @key(fields: \"id\")"
            )),
            "{entity} is keyed by id"
        );
    }
}
