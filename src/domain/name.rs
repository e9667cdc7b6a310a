//! The name rule of a call purpose, the one place it lives.

/// Longest name, in Unicode scalar values (Rust `char`s), not bytes.
pub const MAX_NAME_CHARS: usize = 255;

/// Why a name is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameError {
    /// Empty, or only white space.
    Blank,
    /// Longer than [`MAX_NAME_CHARS`] after trimming; holds the length.
    TooLong(usize),
    /// Holds a control character (U+0000..U+001F or U+007F) inside.
    InvalidCharacters,
}

impl NameError {
    /// A sentence a user can act on.
    pub fn message(self) -> String {
        match self {
            NameError::Blank => "Name can't be blank.".into(),
            NameError::TooLong(length) => format!(
                "Name is too long: {length} characters, at most {MAX_NAME_CHARS} are allowed."
            ),
            NameError::InvalidCharacters => {
                "Name can't contain control characters such as tabs, line breaks or NUL.".into()
            }
        }
    }
}

/// The name as it will be stored: trimmed of leading and trailing white
/// space, then 1..=255 characters with no control characters.
pub fn normalize(raw: &str) -> Result<String, NameError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(NameError::Blank);
    }
    if name
        .chars()
        .any(|c| matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'))
    {
        return Err(NameError::InvalidCharacters);
    }
    let length = name.chars().count();
    if length > MAX_NAME_CHARS {
        return Err(NameError::TooLong(length));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rule() {
        let a255 = "a".repeat(255);
        let cases: Vec<(String, Result<String, NameError>, &str)> = vec![
            (
                "Follow Up".into(),
                Ok("Follow Up".into()),
                "a plain name is kept",
            ),
            (
                "  Follow Up\t\n".into(),
                Ok("Follow Up".into()),
                "surrounding white space is trimmed",
            ),
            (String::new(), Err(NameError::Blank), "empty is blank"),
            (
                " \t\u{3000} ".into(),
                Err(NameError::Blank),
                "only white space is blank",
            ),
            (a255.clone(), Ok(a255.clone()), "255 ASCII letters fit"),
            (
                "a".repeat(256),
                Err(NameError::TooLong(256)),
                "256 ASCII letters do not",
            ),
            (
                format!("  {a255}  "),
                Ok(a255),
                "255 letters fit once trimmed",
            ),
            (
                "😀".repeat(255),
                Ok("😀".repeat(255)),
                "255 emoji fit: characters, not bytes",
            ),
            (
                "😀".repeat(256),
                Err(NameError::TooLong(256)),
                "256 emoji do not",
            ),
            (
                "Fo\0llow".into(),
                Err(NameError::InvalidCharacters),
                "NUL is refused",
            ),
            (
                "Follow\u{7f}".into(),
                Err(NameError::InvalidCharacters),
                "DEL is refused",
            ),
            (
                "Line\nBreak".into(),
                Err(NameError::InvalidCharacters),
                "an inner line break is refused",
            ),
        ];
        for (raw, expected, what) in cases {
            assert_eq!(normalize(&raw), expected, "{what}");
        }
    }
}
