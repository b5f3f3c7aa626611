//! One-line prompts for the admin actions that take a text: create, rename,
//! set the default license of, or delete (type its name) an account; create a
//! user; invite a pasted list of emails. Pure: validation and the operation
//! to send.

use tui_input::Input;

use crate::model::validate::{MAX_ID_LIST, account_name_problem, is_email};
use crate::model::{License, Operation, Sensitive, UserType};

/// What a prompt asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKind {
    CreateAccount,
    RenameAccount {
        account_id: String,
    },
    DefaultLicense {
        account_id: String,
        licenses: Vec<License>,
    },
    /// Type the account's name to confirm.
    DeleteAccount {
        account_id: String,
        name: String,
    },
    CreateUser {
        account_id: String,
    },
    Invite {
        account_id: String,
    },
    /// Sign-in delegate groups to associate / disassociate (names, comma separated).
    AddGroups {
        account_id: String,
    },
    RemoveGroups {
        account_id: String,
    },
}

/// The operation a submitted prompt sends.
#[derive(Debug, Clone, PartialEq)]
pub enum AdminOp {
    CreateAccount {
        name: String,
    },
    UpdateAccount {
        account_id: String,
        name: Option<String>,
        default_license: Option<License>,
    },
    DeleteAccount {
        account_id: String,
    },
    CreateUser {
        account_id: String,
        email: Sensitive,
        username: Option<Sensitive>,
        user_type: Option<UserType>,
    },
    Invite {
        account_id: String,
        emails: Vec<Sensitive>,
        user_type: Option<UserType>,
    },
    AddGroups {
        account_id: String,
        groups: Vec<String>,
    },
    RemoveGroups {
        account_id: String,
        groups: Vec<String>,
    },
    AccountSettings {
        account_id: String,
        settings: crate::model::AccountSettings,
    },
    UserSettings {
        account_id: String,
        user_id: String,
        settings: crate::model::UserSettings,
    },
}

impl AdminOp {
    pub fn operation(&self) -> &'static str {
        let op = match self {
            AdminOp::CreateAccount { .. } => Operation::CreateAccount,
            AdminOp::UpdateAccount { .. } => Operation::UpdateAccount,
            AdminOp::DeleteAccount { .. } => Operation::DeleteAccount,
            AdminOp::CreateUser { .. } => Operation::CreateUser,
            AdminOp::Invite { .. } => Operation::InviteUsers,
            AdminOp::AddGroups { .. } => Operation::AssociateSigninDelegateGroupsWithAccount,
            AdminOp::RemoveGroups { .. } => Operation::DisassociateSigninDelegateGroupsFromAccount,
            AdminOp::AccountSettings { .. } => Operation::UpdateAccountSettings,
            AdminOp::UserSettings { .. } => Operation::UpdateUserSettings,
        };
        op.name()
    }

    /// Whether it changes the account list (else the users of one account).
    pub fn about_accounts(&self) -> bool {
        !matches!(self, AdminOp::CreateUser { .. } | AdminOp::Invite { .. })
    }

    pub fn account_id(&self) -> Option<&str> {
        match self {
            AdminOp::CreateAccount { .. } => None,
            AdminOp::UpdateAccount { account_id, .. }
            | AdminOp::DeleteAccount { account_id }
            | AdminOp::CreateUser { account_id, .. }
            | AdminOp::Invite { account_id, .. }
            | AdminOp::AddGroups { account_id, .. }
            | AdminOp::RemoveGroups { account_id, .. }
            | AdminOp::AccountSettings { account_id, .. }
            | AdminOp::UserSettings { account_id, .. } => Some(account_id),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: Input,
    /// Optional fields after the main one (username, user type), with labels.
    pub extra: Vec<(&'static str, Input)>,
    /// The field being edited: 0 is `input`, then `extra`.
    pub field: usize,
    /// Why it cannot be sent, once the user tried.
    pub problem: Option<String>,
    /// The account it acts on, named in the title.
    pub account: Option<String>,
}

/// Splits a pasted list on commas, semicolons and white space.
pub fn split_emails(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

impl Prompt {
    pub fn new(kind: PromptKind, initial: &str) -> Self {
        let extra = match kind {
            PromptKind::CreateUser { .. } => vec![
                ("Username (optional)", Input::default()),
                (
                    "User type: PrivateUser or SharedDevice (optional)",
                    Input::default(),
                ),
            ],
            PromptKind::Invite { .. } => vec![(
                "User type: PrivateUser or SharedDevice (optional)",
                Input::default(),
            )],
            _ => Vec::new(),
        };
        Prompt {
            kind,
            input: Input::new(initial.to_string()),
            extra,
            field: 0,
            problem: None,
            account: None,
        }
    }

    /// The input being edited.
    pub fn focused_mut(&mut self) -> &mut Input {
        match self.field {
            0 => &mut self.input,
            n => match self.extra.get_mut(n - 1) {
                Some((_, i)) => i,
                None => &mut self.input,
            },
        }
    }

    /// How many characters the focused field holds (see `textfield`).
    pub fn limit(&self) -> usize {
        use super::textfield::{EMAIL_MAX, INVITE_CHARS_MAX, LINE_MAX};
        match (&self.kind, self.field) {
            (PromptKind::Invite { .. }, 0) => INVITE_CHARS_MAX,
            (PromptKind::CreateUser { .. }, 0) => EMAIL_MAX,
            _ => LINE_MAX,
        }
    }

    /// Text pasted into the focused field; a notice if some was left out.
    /// The invite list keeps at most `INVITE_MAX` emails.
    pub fn paste(&mut self, text: &str) -> Option<String> {
        use super::textfield::{INVITE_MAX, cut_notice, insert};
        let limit = self.limit();
        let cut = insert(self.focused_mut(), text, limit).cut;
        self.problem = None;
        if matches!(self.kind, PromptKind::Invite { .. }) && self.field == 0 {
            let emails = split_emails(self.input.value());
            if emails.len() > INVITE_MAX {
                self.input = Input::new(emails[..INVITE_MAX].join(", "));
                return Some(format!(
                    "paste cut: an invite list takes {INVITE_MAX} emails"
                ));
            }
        }
        cut.then(|| cut_notice(limit, "this field"))
    }

    pub fn move_field(&mut self, forward: bool) {
        let n = self.extra.len() + 1;
        self.field = if forward {
            (self.field + 1) % n
        } else {
            (self.field + n - 1) % n
        };
    }

    /// An optional user type field: empty, or a model value.
    fn user_type(&self, i: usize) -> Result<Option<UserType>, String> {
        let v = self
            .extra
            .get(i)
            .map(|(_, inp)| inp.value().trim())
            .unwrap_or("");
        if v.is_empty() {
            return Ok(None);
        }
        UserType::ALL
            .iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(v))
            .cloned()
            .map(Some)
            .ok_or_else(|| format!("user type {v:?}: expected one of {}", UserType::allowed()))
    }

    pub fn title(&self) -> &'static str {
        match self.kind {
            PromptKind::CreateAccount => "New account",
            PromptKind::RenameAccount { .. } => "Rename account",
            PromptKind::DefaultLicense { .. } => "Default license",
            PromptKind::DeleteAccount { .. } => "Delete account",
            PromptKind::CreateUser { .. } => "Create user",
            PromptKind::Invite { .. } => "Invite users",
            PromptKind::AddGroups { .. } => "Add sign-in delegate groups",
            PromptKind::RemoveGroups { .. } => "Remove sign-in delegate groups",
        }
    }

    pub fn label(&self) -> String {
        match &self.kind {
            PromptKind::CreateAccount | PromptKind::RenameAccount { .. } => "Account name".into(),
            PromptKind::DefaultLicense { licenses, .. } => {
                let l: Vec<&str> = licenses.iter().map(|l| l.as_str()).collect();
                format!("One of {}", l.join(", "))
            }
            PromptKind::DeleteAccount { name, .. } => {
                format!("Type {name:?} to delete it and every one of its users")
            }
            PromptKind::CreateUser { .. } => "Email".into(),
            PromptKind::AddGroups { .. } | PromptKind::RemoveGroups { .. } => {
                "Group names, separated by commas".into()
            }
            PromptKind::Invite { .. } => {
                format!(
                    "Emails, one per line or separated by spaces or commas (at most {}, sent {MAX_ID_LIST} per call)",
                    super::textfield::INVITE_MAX
                )
            }
        }
    }

    /// The operation to send, or why not.
    pub fn op(&self) -> Result<AdminOp, String> {
        let text = self.input.value().trim();
        match &self.kind {
            PromptKind::CreateAccount => match account_name_problem(text) {
                Some(p) => Err(p),
                None => Ok(AdminOp::CreateAccount {
                    name: text.to_string(),
                }),
            },
            PromptKind::RenameAccount { account_id } => match account_name_problem(text) {
                Some(p) => Err(p),
                None => Ok(AdminOp::UpdateAccount {
                    account_id: account_id.clone(),
                    name: Some(text.to_string()),
                    default_license: None,
                }),
            },
            PromptKind::DefaultLicense {
                account_id,
                licenses,
            } => licenses
                .iter()
                .find(|l| l.as_str().eq_ignore_ascii_case(text))
                .map(|l| AdminOp::UpdateAccount {
                    account_id: account_id.clone(),
                    name: None,
                    default_license: Some(l.clone()),
                })
                .ok_or_else(|| format!("{text:?} is not a license of this account")),
            PromptKind::DeleteAccount { account_id, name } => {
                if text == name {
                    Ok(AdminOp::DeleteAccount {
                        account_id: account_id.clone(),
                    })
                } else {
                    Err("the name does not match: nothing deleted".into())
                }
            }
            PromptKind::CreateUser { account_id } => {
                if is_email(text) && !text.contains(char::is_whitespace) {
                    let username = self
                        .extra
                        .first()
                        .map(|(_, i)| i.value().trim())
                        .filter(|u| !u.is_empty())
                        .map(Sensitive::from);
                    Ok(AdminOp::CreateUser {
                        account_id: account_id.clone(),
                        email: text.into(),
                        username,
                        user_type: self.user_type(1)?,
                    })
                } else {
                    Err(format!("{text:?} is not an email"))
                }
            }
            PromptKind::AddGroups { account_id } | PromptKind::RemoveGroups { account_id } => {
                let groups: Vec<String> = text
                    .split(',')
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(String::from)
                    .collect();
                if groups.is_empty() {
                    return Err("no group name given".into());
                }
                let account_id = account_id.clone();
                Ok(if matches!(self.kind, PromptKind::AddGroups { .. }) {
                    AdminOp::AddGroups { account_id, groups }
                } else {
                    AdminOp::RemoveGroups { account_id, groups }
                })
            }
            PromptKind::Invite { account_id } => {
                let emails = split_emails(text);
                if emails.is_empty() {
                    return Err("no email given".into());
                }
                let bad: Vec<&String> = emails.iter().filter(|e| !is_email(e)).collect();
                if let Some(b) = bad.first() {
                    return Err(format!("{} not an email: {b:?}", bad.len()));
                }
                Ok(AdminOp::Invite {
                    account_id: account_id.clone(),
                    emails: emails.into_iter().map(Sensitive::from).collect(),
                    user_type: self.user_type(0)?,
                })
            }
        }
    }
}
