//! The settings form: account settings (remote control, dial-out) or a user's
//! telephony settings (inbound, outbound calling, SMS), read first, then
//! toggled and sent. Pure.

use crate::model::{AccountSettings, TelephonySettings, UserSettings};

use super::action::Settings;
use super::effect::SettingsTarget;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsForm {
    pub target: SettingsTarget,
    /// The generation of the read; answers to older reads are dropped.
    pub gen_id: u64,
    /// `None` until the current settings arrive.
    pub values: Option<Vec<bool>>,
    pub field: usize,
}

impl SettingsForm {
    pub fn labels(&self) -> &'static [&'static str] {
        match self.target {
            // Each toggle says what is on: "Remote control" on means the
            // API's DisableRemoteControl is false (no double negative).
            SettingsTarget::Account { .. } => &["Remote control", "Dial-out"],
            SettingsTarget::User { .. } => &["Inbound calling", "Outbound calling", "SMS"],
        }
    }

    pub fn title(&self) -> String {
        match &self.target {
            SettingsTarget::Account { name, .. } => format!("Settings of {name}"),
            SettingsTarget::User { email, .. } => format!("Telephony of {email}"),
        }
    }

    pub fn move_field(&mut self, forward: bool) {
        let n = self.labels().len();
        self.field = if forward {
            (self.field + 1) % n
        } else {
            (self.field + n - 1) % n
        };
    }

    pub fn toggle(&mut self) {
        if let Some(v) = self.values.as_mut().and_then(|v| v.get_mut(self.field)) {
            *v = !*v;
        }
    }

    /// The toggles for settings as read.
    pub fn values_of(settings: &Settings) -> Vec<bool> {
        match settings {
            Settings::Account(s) => SettingsForm::account_values(s),
            Settings::User(s) => SettingsForm::user_values(s),
        }
    }

    pub fn account_values(s: &AccountSettings) -> Vec<bool> {
        vec![
            !s.disable_remote_control.unwrap_or(false),
            s.enable_dial_out.unwrap_or(false),
        ]
    }

    pub fn user_values(s: &UserSettings) -> Vec<bool> {
        let t = &s.telephony;
        vec![t.inbound_calling, t.outbound_calling, t.sms]
    }

    pub fn account_settings(v: &[bool]) -> AccountSettings {
        AccountSettings {
            disable_remote_control: v.first().map(|on| !on),
            enable_dial_out: v.get(1).copied(),
        }
    }

    pub fn user_settings(v: &[bool]) -> UserSettings {
        let get = |i: usize| v.get(i).copied().unwrap_or(false);
        UserSettings {
            telephony: TelephonySettings {
                inbound_calling: get(0),
                outbound_calling: get(1),
                sms: get(2),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_control_is_shown_as_on_when_it_is_not_disabled() {
        let s = AccountSettings {
            disable_remote_control: Some(false),
            enable_dial_out: Some(true),
        };
        let v = SettingsForm::account_values(&s);
        assert_eq!(v, [true, true]);
        assert_eq!(
            SettingsForm::account_settings(&[false, true]).disable_remote_control,
            Some(true)
        );
        assert_eq!(SettingsForm::account_settings(&v), s);
    }
}
