//! Limits on what one operation may ask: depth, complexity and aliases.
//! Checked after parsing and validation, before any resolver runs, so an
//! abusive query costs the server its parse and nothing more.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, ValidationResult, Variables};

use crate::config::LimitArgs;

/// The limits, as an async-graphql extension.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    max_depth: usize,
    max_complexity: usize,
    max_aliases: usize,
}

impl From<&LimitArgs> for Limits {
    fn from(args: &LimitArgs) -> Self {
        Limits {
            max_depth: args.max_query_depth,
            max_complexity: args.max_query_complexity,
            max_aliases: args.max_aliases,
        }
    }
}

impl ExtensionFactory for Limits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

fn too_complex(message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", "TOO_COMPLEX");
    error
}

/// Gives a request error (a parse or validation failure) the code
/// BAD_USER_INPUT, unless it has one.
fn with_input_code(mut error: ServerError) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", "BAD_USER_INPUT");
    }
    error
}

#[async_graphql::async_trait::async_trait]
impl Extension for Limits {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next
            .run(ctx, query, variables)
            .await
            .map_err(with_input_code)?;

        let aliases = count_aliases(&document);
        if aliases > self.max_aliases {
            return Err(too_complex(format!(
                "the operation uses {aliases} aliases; at most {} are allowed",
                self.max_aliases
            )));
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next
            .run(ctx)
            .await
            .map_err(|errors| errors.into_iter().map(with_input_code).collect::<Vec<_>>())?;

        if result.depth > self.max_depth {
            return Err(vec![too_complex(format!(
                "the operation nests {} levels deep; at most {} are allowed",
                result.depth, self.max_depth
            ))]);
        }
        if result.complexity > self.max_complexity {
            return Err(vec![too_complex(format!(
                "the operation's complexity is {}; at most {} is allowed (a \
                 connection counts its selection once per item of the page it asks for)",
                result.complexity, self.max_complexity
            ))]);
        }
        Ok(result)
    }
}

/// Every alias in the document's operations and fragments.
fn count_aliases(document: &ExecutableDocument) -> usize {
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, operation)| in_set(&operation.node.selection_set.node))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|fragment| in_set(&fragment.node.selection_set.node))
        .sum();
    operations + fragments
}

fn in_set(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + in_set(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    #[test]
    fn aliases_are_counted_in_operations_fragments_and_inline_fragments() {
        let document = parse_query(
            "query { a: viewer { x: name } ...F ... on QueryRoot { b: viewer { id } } }
             fragment F on QueryRoot { c: viewer { id } }",
        );

        assert_eq!(document.map(|d| count_aliases(&d)).ok(), Some(4));
    }
}
