//! Where to send requests, for which region, with which credentials: all
//! from the AWS SDK's own configuration chain (`aws-config`), as the AWS CLI
//! resolves them. Credentials are cached until shortly before they expire and
//! never used past expiry.

use std::time::{Duration, SystemTime};

use aws_config::BehaviorVersion;
use aws_config::meta::region::RegionProviderChain;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env, Fs};
use aws_types::region::Region;
use aws_types::service_config::ServiceConfigKey;

use super::error::{ApiError, ApiErrorKind};

/// Where to send requests and with which credentials, as the AWS CLI's
/// flags say it (each `None`: the environment and `~/.aws` decide).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnConfig {
    /// A named profile of `~/.aws/config` and `~/.aws/credentials`.
    pub profile: Option<String>,
    /// The region to sign for.
    pub region: Option<String>,
    /// Send requests here instead of AWS.
    pub endpoint_url: Option<String>,
    /// Give up on a call after this many seconds, retries included.
    pub timeout: Option<f64>,
}

impl From<&ConnConfig> for ConnConfig {
    fn from(c: &ConnConfig) -> Self {
        c.clone()
    }
}

/// The region Chime's public endpoint is signed for.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The endpoint and signing region for a configured region when no endpoint
/// URL is given: Chime has one endpoint per partition.
pub fn default_endpoint(region: &str) -> (String, String) {
    if region.starts_with("us-gov-") {
        (
            "https://chime.us-gov-west-1.amazonaws.com".into(),
            "us-gov-west-1".into(),
        )
    } else if region.starts_with("cn-") {
        (
            "https://chime.cn-north-1.amazonaws.com.cn".into(),
            "cn-north-1".into(),
        )
    } else {
        (
            "https://chime.us-east-1.amazonaws.com".into(),
            DEFAULT_REGION.into(),
        )
    }
}

/// Why AWS's own Chime endpoint will not answer, said with every failure to
/// reach it.
pub const PUBLIC_API_ENDED: &str = "Amazon Chime's public API ended on 2026-02-20: point --endpoint-url (or AWS_ENDPOINT_URL_CHIME) at a compatible service, or try `chime-admin demo`";

/// Whether `endpoint` is one of AWS's Chime endpoints (what
/// [`default_endpoint`] gives when no endpoint URL is configured).
pub fn is_aws_default(endpoint: &str) -> bool {
    let endpoint = endpoint.trim_end_matches('/');
    ["us-east-1", "us-gov-east-1", "cn-north-1"]
        .iter()
        .any(|r| default_endpoint(r).0 == endpoint)
}

/// The outcome of resolving the configuration.
pub(crate) struct Resolved {
    pub endpoint: String,
    pub region: String,
    pub credentials: SharedCredentialsProvider,
}

/// Resolves region, endpoint and credentials from flags, environment and
/// profiles. Region: `--region`, `AWS_REGION`/`AWS_DEFAULT_REGION`, the
/// profile's `region`, else us-east-1 (no IMDS lookup: it stalls off EC2).
/// Endpoint: `--endpoint-url`, `AWS_ENDPOINT_URL_CHIME`, `AWS_ENDPOINT_URL`,
/// the profile's `services`/`endpoint_url`, else Chime's public endpoint.
pub(crate) async fn resolve(conn: &ConnConfig) -> Result<Resolved, ApiError> {
    let profile = conn.profile.clone().filter(|p| !p.is_empty());
    let mut profile_region = aws_config::profile::ProfileFileRegionProvider::builder();
    if let Some(p) = &profile {
        profile_region = profile_region.profile_name(p);
    }
    let region_chain = RegionProviderChain::first_try(conn.region.clone().map(Region::new))
        .or_else(aws_config::environment::EnvironmentVariableRegionProvider::new())
        .or_else(profile_region.build());
    let configured_region = region_chain.region().await;

    let mut loader = aws_config::defaults(BehaviorVersion::latest()).region(
        configured_region
            .clone()
            .unwrap_or(Region::new(DEFAULT_REGION)),
    );
    if let Some(p) = &profile {
        loader = loader.profile_name(p);
    }
    let sdk = loader.load().await;

    let custom_endpoint = match &conn.endpoint_url {
        Some(url) if !url.is_empty() => Some(url.clone()),
        _ => {
            let from_service = sdk.service_config().and_then(|sc| {
                sc.load_config(
                    ServiceConfigKey::builder()
                        .service_id("chime")
                        .env("AWS_ENDPOINT_URL")
                        .profile("endpoint_url")
                        .build()
                        .ok()?,
                )
            });
            from_service.or_else(|| sdk.endpoint_url().map(str::to_string))
        }
    };
    let (endpoint, region) = match custom_endpoint {
        Some(url) => (
            url,
            configured_region
                .map(|r| r.to_string())
                .unwrap_or_else(|| DEFAULT_REGION.into()),
        ),
        None => default_endpoint(
            configured_region
                .as_ref()
                .map(|r| r.as_ref())
                .unwrap_or(DEFAULT_REGION),
        ),
    };
    let credentials = sdk.credentials_provider().ok_or_else(|| {
        ApiError::new(
            ApiErrorKind::Credentials,
            "no credentials provider configured",
        )
    })?;
    Ok(Resolved {
        endpoint,
        region,
        credentials,
    })
}

/// The profile names of the AWS shared config and credentials files
/// (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config`
/// and `~/.aws/credentials`), sorted, as the SDK's own profile loader reads
/// them: the loader the credential chain of [`resolve`] uses, so a name
/// offered (the console's `:profile` completion) is a profile the chain
/// knows. Files that cannot be read or parsed give no names (the chain then
/// finds no profile in them either); a name with a space cannot be typed
/// after `:profile` and is left out.
///
/// The console awaits it once, in `run_console` before the first frame (two
/// small files; `update` reads none), and completes from the names kept in
/// the State.
pub async fn profile_names() -> Vec<String> {
    profile_names_in(&Fs::real(), &Env::real()).await
}

async fn profile_names_in(fs: &Fs, env: &Env) -> Vec<String> {
    match aws_config::profile::load(fs, env, &EnvConfigFiles::default(), None).await {
        Ok(set) => {
            let mut names: Vec<String> = set
                .profiles()
                .filter(|n| !n.contains(char::is_whitespace))
                .map(str::to_string)
                .collect();
            names.sort();
            names
        }
        Err(e) => {
            tracing::debug!(error = %error_chain(&e), "no AWS profile names");
            Vec::new()
        }
    }
}

/// Credentials refreshed this long before they expire.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Where a client gets its credentials: fixed keys, or a provider with a cache.
#[derive(Debug)]
pub(crate) enum CredentialSource {
    Static(Credentials),
    Provider {
        provider: SharedCredentialsProvider,
        cache: tokio::sync::Mutex<Option<Credentials>>,
    },
}

impl CredentialSource {
    pub fn provider(provider: SharedCredentialsProvider) -> Self {
        CredentialSource::Provider {
            provider,
            cache: tokio::sync::Mutex::new(None),
        }
    }

    /// Current credentials: cached ones while they are fresh, else new ones
    /// from the provider (one fetch at a time).
    pub async fn get(&self) -> Result<Credentials, ApiError> {
        match self {
            CredentialSource::Static(c) => Ok(c.clone()),
            CredentialSource::Provider { provider, cache } => {
                let mut cached = cache.lock().await;
                if let Some(c) = cached.as_ref()
                    && is_fresh(c, SystemTime::now())
                {
                    return Ok(c.clone());
                }
                *cached = None;
                let fresh = provider.provide_credentials().await.map_err(|e| {
                    ApiError::new(
                        ApiErrorKind::Credentials,
                        format!("no usable AWS credentials: {}", error_chain(&e)),
                    )
                })?;
                tracing::debug!(
                    expires = ?fresh.expiry(),
                    "credentials loaded"
                );
                if fresh.expiry().is_none_or(|exp| exp > SystemTime::now()) {
                    *cached = Some(fresh.clone());
                }
                Ok(fresh)
            }
        }
    }
}

/// Usable now and for a while: no expiry, or expiry beyond the refresh margin.
pub(crate) fn is_fresh(c: &Credentials, now: SystemTime) -> bool {
    match c.expiry() {
        None => true,
        Some(exp) => exp > now + REFRESH_MARGIN,
    }
}

/// An error with its chain of causes, as the SDK's `DisplayErrorContext` shows.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names are the SDK parser's: `[profile NAME]` and `[default]` in
    /// the config, `[NAME]` in the credentials; not SSO sessions, service
    /// sections, `[profilex]` or a commented header. The files are the
    /// environment's, in a file system of the test's own.
    #[tokio::test]
    async fn profile_names_are_the_sdk_loaders() {
        let config = "\
[default]
region = us-east-1
[profile prod]
role_arn = arn:aws:iam::123456789012:role/admin
[profile dev] ; a comment
# [profile commented]
[sso-session corp]
sso_start_url = https://example.awsapps.com/start
[services local]
[profilex]
";
        let credentials = "[default]\naws_access_key_id = AKIDEXAMPLE\n[ci]\n[prod]\n";
        let fs = Fs::from_slice(&[("/h/config", config), ("/h/credentials", credentials)]);
        let env = Env::from_slice(&[
            ("AWS_CONFIG_FILE", "/h/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/h/credentials"),
        ]);
        assert_eq!(
            profile_names_in(&fs, &env).await,
            ["ci", "default", "dev", "prod"]
        );
        // Without the variables: `~/.aws` under HOME.
        let fs = Fs::from_slice(&[("/home/me/.aws/config", "[profile only]\n")]);
        let env = Env::from_slice(&[("HOME", "/home/me")]);
        assert_eq!(profile_names_in(&fs, &env).await, ["only"]);
        // No files: no names.
        let empty = Fs::from_slice(&[]);
        assert!(profile_names_in(&empty, &env).await.is_empty());
    }

    #[test]
    fn partitions() {
        assert_eq!(
            default_endpoint("eu-west-1"),
            (
                "https://chime.us-east-1.amazonaws.com".into(),
                "us-east-1".into()
            )
        );
        assert_eq!(default_endpoint("us-gov-east-1").1, "us-gov-west-1");
        assert_eq!(
            default_endpoint("cn-northwest-1").0,
            "https://chime.cn-north-1.amazonaws.com.cn"
        );
    }

    #[test]
    fn aws_endpoints_are_known() {
        assert!(is_aws_default("https://chime.us-east-1.amazonaws.com"));
        assert!(is_aws_default("https://chime.us-east-1.amazonaws.com/"));
        assert!(is_aws_default("https://chime.cn-north-1.amazonaws.com.cn"));
        assert!(!is_aws_default("http://127.0.0.1:4566"));
    }

    #[test]
    fn expiring_credentials_are_not_fresh() {
        let now = SystemTime::now();
        let soon = Credentials::new("A", "S", None, Some(now + Duration::from_secs(30)), "t");
        let later = Credentials::new("A", "S", None, Some(now + Duration::from_secs(3600)), "t");
        let never = Credentials::new("A", "S", None, None, "t");
        assert!(!is_fresh(&soon, now));
        assert!(is_fresh(&later, now));
        assert!(is_fresh(&never, now));
    }
}
