//! The users table's columns, once: what each is called, how wide it is,
//! which give way first on a narrow screen, and the word `:sort` takes for
//! it. Plain data: `update` sorts by them, `ui/users.rs` draws their cells.

/// A column of the users table, and what the users sort by (`o`, `:sort`).
///
/// Not the export's columns: `:export csv` writes
/// [`crate::columns::UserField`], the wire members the headless
/// `users --output csv` writes too, so that `:export csv` equals the headless
/// file for the same users (the table shows what fits a screen; a file
/// carries the ids a script needs).
///
/// Columns are taken by priority while they fit: a change's result first,
/// then license and registration (what changes act on and suspension), name,
/// user type, A4B, invitation. At 120×40 with the accounts pane beside, all
/// but Invitation show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserCol {
    Mark,
    Email,
    Name,
    License,
    UserType,
    Registration,
    Invitation,
    A4b,
    Result,
}

/// The priority of a changed field's column while results show: right
/// after Result, before every other column.
pub const CHANGED_PRIORITY: u8 = 3;

impl UserCol {
    /// In table order, which is also the order `o` sorts by them.
    pub const ALL: [UserCol; 9] = [
        UserCol::Mark,
        UserCol::Email,
        UserCol::Name,
        UserCol::License,
        UserCol::UserType,
        UserCol::Registration,
        UserCol::Invitation,
        UserCol::A4b,
        UserCol::Result,
    ];

    pub fn title(self) -> &'static str {
        match self {
            UserCol::Mark => " ",
            UserCol::Email => "Email",
            UserCol::Name => "Name",
            UserCol::License => "License",
            UserCol::UserType => "User type",
            UserCol::Registration => "Registration",
            UserCol::Invitation => "Invitation",
            UserCol::A4b => "A4B",
            UserCol::Result => "Result",
        }
    }

    /// The width it asks for (a `flex` column grows into what is left).
    pub fn width(self) -> u16 {
        match self {
            UserCol::Mark => 1,
            UserCol::Email => 26,
            UserCol::Name => 14,
            UserCol::License => 8,
            UserCol::UserType => 12,
            UserCol::Registration => 14,
            UserCol::Invitation => 10,
            UserCol::A4b => 3,
            UserCol::Result => 30,
        }
    }

    /// 0: always shown; lower numbers are kept first. Even numbers, so
    /// the table can rank a column between two (the changed fields' columns
    /// while results show: [`CHANGED_PRIORITY`]).
    pub fn priority(self) -> u8 {
        match self {
            UserCol::Mark | UserCol::Email => 0,
            UserCol::Result => 2,
            UserCol::License => 4,
            UserCol::Registration => 6,
            UserCol::Name => 8,
            UserCol::UserType => 10,
            UserCol::A4b => 12,
            UserCol::Invitation => 14,
        }
    }

    /// Whether it grows into the width the others leave (Email).
    pub fn flex(self) -> bool {
        self == UserCol::Email
    }

    /// The word `:sort` takes (and the title shows); the mark column sorts
    /// by nothing.
    pub fn sort_word(self) -> Option<&'static str> {
        match self {
            UserCol::Mark => None,
            UserCol::Email => Some("email"),
            UserCol::Name => Some("name"),
            UserCol::License => Some("license"),
            UserCol::UserType => Some("type"),
            UserCol::Registration => Some("reg"),
            UserCol::Invitation => Some("invite"),
            UserCol::A4b => Some("a4b"),
            UserCol::Result => Some("result"),
        }
    }

    /// The columns the users sort by, in the order `o` cycles through them.
    pub fn sortable() -> impl Iterator<Item = UserCol> {
        UserCol::ALL.into_iter().filter(|c| c.sort_word().is_some())
    }

    /// The column a `:sort` word names, in any case: its `sort_word`, or
    /// `usertype`, `user-type`, `registration`, `invitation`.
    pub fn parse_sort(word: &str) -> Option<UserCol> {
        let w = word.to_lowercase();
        UserCol::sortable().find(|c| {
            c.sort_word() == Some(w.as_str())
                || matches!(
                    (c, w.as_str()),
                    (UserCol::UserType, "usertype" | "user-type")
                        | (UserCol::Registration, "registration")
                        | (UserCol::Invitation, "invitation")
                )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_words_and_their_aliases_name_their_columns_and_the_mark_has_none() {
        let words: Vec<&str> = UserCol::sortable().filter_map(|c| c.sort_word()).collect();
        assert_eq!(
            words,
            [
                "email", "name", "license", "type", "reg", "invite", "a4b", "result"
            ]
        );
        for (word, col) in [
            ("EMAIL", UserCol::Email),
            ("usertype", UserCol::UserType),
            ("User-Type", UserCol::UserType),
            ("registration", UserCol::Registration),
            ("invitation", UserCol::Invitation),
            ("A4B", UserCol::A4b),
        ] {
            assert_eq!(UserCol::parse_sort(word), Some(col), "{word}");
        }
        for word in ["", " ", "mark", "user", "emails"] {
            assert_eq!(UserCol::parse_sort(word), None, "{word:?}");
        }
    }

    #[test]
    fn the_sort_command_help_lists_the_sort_words_in_order() {
        let words: Vec<&str> = UserCol::sortable().filter_map(|c| c.sort_word()).collect();
        let help = crate::console::command::Verb::Sort.help();
        assert!(help.starts_with(&format!("{} ", words.join("|"))), "{help}");
    }
}
