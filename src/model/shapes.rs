//! The structures of the Chime admin API (`chime-2018-05-01`), member names as
//! in AWS's model. Every member is optional on the wire unless the model says
//! required; validation of required members and limits lives in `validate`.

use serde::{Deserialize, Serialize};

use super::enums::*;
use super::sensitive::Sensitive;
use super::timestamp::Timestamp;

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SigninDelegateGroup {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Account {
    pub aws_account_id: String,
    pub account_id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_type: Option<AccountType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_timestamp: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_license: Option<License>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supported_licenses: Option<Vec<License>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_status: Option<AccountStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signin_delegate_groups: Option<Vec<SigninDelegateGroup>>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_remote_control: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_dial_out: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlexaForBusinessMetadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_alexa_for_business_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alexa_for_business_room_arn: Option<Sensitive>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct User {
    pub user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_email: Option<Sensitive>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_provisioned_number: Option<Sensitive>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Sensitive>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_type: Option<License>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_type: Option<UserType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_registration_status: Option<RegistrationStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_invitation_status: Option<InviteStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered_on: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invited_on: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alexa_for_business_metadata: Option<AlexaForBusinessMetadata>,
    #[serde(rename = "PersonalPIN", skip_serializing_if = "Option::is_none")]
    pub personal_pin: Option<Sensitive>,
}

impl User {
    pub fn email(&self) -> &str {
        self.primary_email
            .as_ref()
            .map(|e| e.expose())
            .unwrap_or("")
    }

    pub fn display_name(&self) -> &str {
        self.display_name.as_ref().map(|e| e.expose()).unwrap_or("")
    }

    pub fn is_suspended(&self) -> bool {
        self.user_registration_status == Some(RegistrationStatus::Suspended)
    }

    pub fn a4b_enabled(&self) -> Option<bool> {
        self.alexa_for_business_metadata
            .as_ref()
            .and_then(|m| m.is_alexa_for_business_enabled)
    }

    pub fn a4b_room_arn(&self) -> Option<&str> {
        self.alexa_for_business_metadata
            .as_ref()
            .and_then(|m| m.alexa_for_business_room_arn.as_ref())
            .map(|a| a.expose())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TelephonySettings {
    #[serde(rename = "InboundCalling")]
    pub inbound_calling: bool,
    #[serde(rename = "OutboundCalling")]
    pub outbound_calling: bool,
    #[serde(rename = "SMS")]
    pub sms: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserSettings {
    pub telephony: TelephonySettings,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Invite {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<InviteStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_address: Option<Sensitive>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_status: Option<EmailStatus>,
}

/// One per-user failure in a batch answer.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<ErrorCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// The body of every error answer: `{"Code": "NotFound", "Message": "..."}`.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(
        rename = "Code",
        alias = "code",
        skip_serializing_if = "Option::is_none"
    )]
    pub code: Option<ErrorCode>,
    #[serde(
        rename = "Message",
        alias = "message",
        skip_serializing_if = "Option::is_none"
    )]
    pub message: Option<String>,
    #[serde(rename = "__type", skip_serializing)]
    pub type_: Option<String>,
}

// ---- request bodies (members in the URI or query string live in the client/service) ----

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAccountRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateAccountRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_license: Option<License>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateAccountSettingsRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_settings: Option<AccountSettings>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssociateSigninDelegateGroupsRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signin_delegate_groups: Option<Vec<SigninDelegateGroup>>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DisassociateSigninDelegateGroupsRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_names: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateUserRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<Sensitive>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<Sensitive>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_type: Option<UserType>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InviteUsersRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_email_list: Option<Vec<Sensitive>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_type: Option<UserType>,
}

/// The changeable part of a user: the body of UpdateUser, and (with `UserId`)
/// one item of BatchUpdateUser.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_type: Option<License>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_type: Option<UserType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alexa_for_business_metadata: Option<AlexaForBusinessMetadata>,
}

impl UserUpdate {
    pub fn is_empty(&self) -> bool {
        self.license_type.is_none()
            && self.user_type.is_none()
            && self.alexa_for_business_metadata.is_none()
    }
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateUserRequestItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(flatten)]
    pub update: UserUpdate,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchUpdateUserRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_user_request_items: Option<Vec<UpdateUserRequestItem>>,
}

/// The body of BatchSuspendUser and BatchUnsuspendUser.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserIdListRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id_list: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateUserSettingsRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_settings: Option<UserSettings>,
}

// ---- response bodies ----

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAccountsResponse {
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListUsersResponse {
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `{Account}`: GetAccount, CreateAccount, UpdateAccount.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
}

/// `{User}`: GetUser, CreateUser, UpdateUser, ResetPersonalPIN.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetAccountSettingsResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_settings: Option<AccountSettings>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetUserSettingsResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_settings: Option<UserSettings>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InviteUsersResponse {
    #[serde(default)]
    pub invites: Vec<Invite>,
}

/// `{UserErrors}`: BatchUpdateUser, BatchSuspendUser, BatchUnsuspendUser.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchUserErrorsResponse {
    #[serde(default)]
    pub user_errors: Vec<UserError>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_item_flattens_the_update() {
        let item = UpdateUserRequestItem {
            user_id: Some("u1".into()),
            update: UserUpdate {
                license_type: Some(License::Basic),
                ..Default::default()
            },
        };
        let json = serde_json::to_string(&item).expect("ser");
        assert_eq!(json, r#"{"UserId":"u1","LicenseType":"Basic"}"#);
        let back: UpdateUserRequestItem = serde_json::from_str(&json).expect("de");
        assert_eq!(back, item);
    }

    #[test]
    fn user_debug_redacts_personal_data() {
        let u = User {
            user_id: "u1".into(),
            primary_email: Some("alice@example.com".into()),
            display_name: Some("Alice".into()),
            personal_pin: Some("1234567890".into()),
            ..Default::default()
        };
        let dbg = format!("{u:?}");
        assert!(!dbg.contains("alice") && !dbg.contains("Alice") && !dbg.contains("12345"));
        let json = serde_json::to_string(&u).expect("ser");
        assert!(json.contains(r#""PersonalPIN":"1234567890""#));
    }
}
