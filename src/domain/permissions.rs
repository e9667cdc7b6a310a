//! Scopes, with the names of the upstream Outreach API, and what each allows.

/// One permission a token can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Read call purposes and what hangs off them.
    Read,
    /// Create, update and reorder call purposes.
    Write,
    /// Delete call purposes.
    Delete,
}

impl Scope {
    /// The upstream name of the scope.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Read => "callPurposes.read",
            Scope::Write => "callPurposes.write",
            Scope::Delete => "callPurposes.delete",
        }
    }
}

/// The upstream name that grants every scope.
pub const ALL: &str = "callPurposes.all";

/// The set of scopes a token grants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scopes {
    read: bool,
    write: bool,
    delete: bool,
}

impl Scopes {
    /// Reads a space-separated `scope` claim. Unknown names grant nothing,
    /// so tokens carrying scopes of other resources pass through.
    pub fn parse(claim: &str) -> Scopes {
        let mut scopes = Scopes::default();
        for name in claim.split_whitespace() {
            match name {
                ALL => {
                    scopes = Scopes {
                        read: true,
                        write: true,
                        delete: true,
                    }
                }
                "callPurposes.read" => scopes.read = true,
                "callPurposes.write" => scopes.write = true,
                "callPurposes.delete" => scopes.delete = true,
                _ => {}
            }
        }
        scopes
    }

    /// Whether `scope` is granted.
    pub fn allows(self, scope: Scope) -> bool {
        match scope {
            Scope::Read => self.read,
            Scope::Write => self.write,
            Scope::Delete => self.delete,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scope_grants_only_itself_and_all_grants_everything() {
        let cases = [
            ("callPurposes.read", [true, false, false]),
            ("callPurposes.write", [false, true, false]),
            ("callPurposes.delete", [false, false, true]),
            ("callPurposes.all", [true, true, true]),
            (
                "callPurposes.read  callPurposes.delete",
                [true, false, true],
            ),
            ("calls.all prospects.read", [false, false, false]),
            ("", [false, false, false]),
        ];
        for (claim, expected) in cases {
            let scopes = Scopes::parse(claim);
            let granted = [Scope::Read, Scope::Write, Scope::Delete].map(|s| scopes.allows(s));
            assert_eq!(granted, expected, "claim {claim:?}");
        }
    }
}
