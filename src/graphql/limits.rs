//! Limits on what one operation may ask: depth, complexity and aliases.
//! All are checked before any resolver runs, so an abusive operation costs
//! the server its parse and validation, nothing more.
//!
//! Depth and complexity are async-graphql's own checks, run during
//! validation; aliases are counted here on the parsed document. The request
//! errors these and the parser produce get stable codes here too, since
//! async-graphql attaches none. None of this is an async-graphql extension
//! on purpose: with any extension installed, async-graphql does bookkeeping
//! for every field it resolves, which on a page of a thousand purposes with
//! their calls costs more than everything else the server does.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ObjectType, Request, Response, SchemaBuilder, ServerError, SubscriptionType};

use crate::config::LimitArgs;

/// The limits of one deployment.
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

/// async-graphql's messages for its two limits.
const TOO_COMPLEX: &str = "Query is too complex.";
const TOO_DEEP: &str = "Query is nested too deep.";

impl Limits {
    /// Installs the depth and complexity limits in the schema.
    pub fn install<Q, M, S>(&self, builder: SchemaBuilder<Q, M, S>) -> SchemaBuilder<Q, M, S>
    where
        Q: ObjectType + 'static,
        M: ObjectType + 'static,
        S: SubscriptionType + 'static,
    {
        builder
            .limit_depth(self.max_depth)
            .limit_complexity(self.max_complexity)
    }

    /// Parses the request's document (kept in the request, so execution does
    /// not parse it again) and checks the alias limit.
    pub fn check(&self, request: &mut Request) -> Result<(), ServerError> {
        let document = request
            .parsed_query()
            .map_err(|error| coded(error, "BAD_USER_INPUT"))?;
        let aliases = count_aliases(document);
        if aliases > self.max_aliases {
            let message = format!(
                "the operation uses {aliases} aliases; at most {} are allowed",
                self.max_aliases
            );
            return Err(coded(ServerError::new(message, None), "TOO_COMPLEX"));
        }
        Ok(())
    }

    /// Gives the request errors of a response (validation failures and
    /// broken limits) their codes and clearer messages.
    pub fn label(&self, response: &mut Response) {
        for error in &mut response.errors {
            if !error.path.is_empty() {
                continue;
            }
            let code = match error.message.as_str() {
                TOO_COMPLEX => {
                    error.message = format!(
                        "the operation's complexity is above the limit of {}; a connection \
                         counts its selection once per item of the page it asks for",
                        self.max_complexity
                    );
                    "TOO_COMPLEX"
                }
                TOO_DEEP => {
                    error.message = format!(
                        "the operation nests deeper than the limit of {} levels",
                        self.max_depth
                    );
                    "TOO_COMPLEX"
                }
                _ => "BAD_USER_INPUT",
            };
            let extensions = error.extensions.get_or_insert_with(Default::default);
            if extensions.get("code").is_none() {
                extensions.set("code", code);
            }
        }
    }
}

fn coded(mut error: ServerError, code: &str) -> ServerError {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    error
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
