//! What `doctor` asks of a client: which credentials it would sign with (never
//! the secret), and one signed ListAccounts with the service's clock.

use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::credential_feature::AwsCredentialFeature;

use super::{ApiError, Call, Client};
use crate::model::{ListAccountsResponse, Operation};

/// The credentials a client would use, safe to print.
#[derive(Clone, Debug, PartialEq)]
pub struct CredentialSummary {
    /// `AKID…MPLE`: the first and last four characters of the access key id.
    pub access_key: String,
    /// Where the SDK's chain found them (environment, profile, SSO, ...).
    pub source: String,
    pub has_session_token: bool,
    pub expires: Option<SystemTime>,
}

/// The answer to one signed ListAccounts.
#[derive(Clone, Debug)]
pub struct Probe {
    pub accounts: usize,
    pub more: bool,
    pub latency: Duration,
    pub request_id: Option<String>,
    /// The service's clock minus ours, from its `Date` header (1 s resolution).
    pub clock_skew: Option<f64>,
}

impl Client {
    /// The credentials this client would sign with now (loading them if needed).
    pub async fn credential_summary(&self) -> Result<CredentialSummary, ApiError> {
        let creds = self.inner.credentials.get().await?;
        let id = creds.access_key_id();
        let access_key = if id.chars().count() > 8 {
            let head: String = id.chars().take(4).collect();
            let tail: String = id
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("{head}…{tail}")
        } else {
            "…".to_string()
        };
        let features = creds
            .get_property::<Vec<AwsCredentialFeature>>()
            .cloned()
            .unwrap_or_default();
        Ok(CredentialSummary {
            access_key,
            source: describe_source(&features),
            has_session_token: creds.session_token().is_some(),
            expires: creds.expiry(),
        })
    }

    /// One signed ListAccounts (a single page), timed, with the service's clock.
    pub async fn probe(&self) -> Result<Probe, ApiError> {
        let started = Instant::now();
        let sent_at = SystemTime::now();
        let call = Call::new(Operation::ListAccounts)
            .query("max-results", Some(crate::model::validate::PAGE_SIZE));
        let (answer, stats): (ListAccountsResponse, _) = self.call_json(call).await?;
        let latency = started.elapsed();
        let midpoint = sent_at + latency / 2;
        let clock_skew = stats
            .server_date
            .map(|server| match server.duration_since(midpoint) {
                Ok(ahead) => ahead.as_secs_f64(),
                Err(behind) => -behind.duration().as_secs_f64(),
            });
        Ok(Probe {
            accounts: answer.accounts.len(),
            more: answer.next_token.is_some(),
            latency,
            request_id: stats.request_id,
            clock_skew,
        })
    }
}

/// Names the most specific source among the SDK's credential features.
fn describe_source(features: &[AwsCredentialFeature]) -> String {
    use AwsCredentialFeature as F;
    let named: Vec<&str> = features
        .iter()
        .filter_map(|f| {
            Some(match f {
                F::CredentialsEnvVars => "environment variables (AWS_ACCESS_KEY_ID)",
                F::CredentialsProfile => "static keys in a profile (~/.aws/credentials or config)",
                F::CredentialsProfileSourceProfile => "a profile's source_profile",
                F::CredentialsStsAssumeRole => "assume-role through STS (role_arn)",
                F::CredentialsProfileProcess | F::CredentialsProcess => "credential_process",
                F::CredentialsProfileSso | F::CredentialsSso => "AWS IAM Identity Center (SSO)",
                F::CredentialsEnvVarsStsWebIdToken
                | F::CredentialsProfileStsWebIdToken
                | F::CredentialsStsAssumeRoleWebId => "web identity token",
                F::CredentialsImds => "the instance metadata service (IMDS)",
                F::CredentialsHttp => "the container credentials endpoint",
                F::CredentialsCode => "keys given to the program",
                _ => return None,
            })
        })
        .collect();
    if named.is_empty() {
        "keys given to the program".to_string()
    } else {
        named.join(", then ")
    }
}
