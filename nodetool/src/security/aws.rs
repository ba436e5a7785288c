//! [`SecretsManager`]: the few AWS Secrets Manager calls the master key needs, over reqwest,
//! signed with AWS Signature Version 4 (ring for SHA-256 and HMAC).

use crate::config::Environment;
use ring::{digest, hmac};
use serde_json::{json, Value};
use std::fmt;

/// Why AWS Secrets Manager could not be used. Credentials and secret values are never part of
/// the message.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// Credentials are missing from the environment.
    #[error("AWS credentials are not set (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")]
    NoCredentials,
    /// The request did not reach AWS.
    #[error("cannot reach AWS Secrets Manager at {endpoint}: {message}")]
    Network {
        /// The endpoint.
        endpoint: String,
        /// What failed.
        message: String,
    },
    /// AWS answered with an error.
    #[error("AWS Secrets Manager: {kind}: {message}")]
    Service {
        /// The error type, e.g. `ResourceNotFoundException`.
        kind: String,
        /// Its message.
        message: String,
    },
}

/// A Secrets Manager client for one region (or a compatible endpoint).
#[derive(Clone)]
pub struct SecretsManager {
    endpoint: String,
    host: String,
    region: String,
    access_key: String,
    secret_key: String,
    session_token: Option<String>,
    http: reqwest::Client,
}

impl fmt::Debug for SecretsManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretsManager")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl SecretsManager {
    /// A client from the environment: `AWS_REGION` (default `us-east-1`), `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, and `AWS_ENDPOINT_URL_SECRETS_MANAGER` or
    /// `AWS_ENDPOINT_URL` for a compatible server.
    pub fn from_env(env: &Environment) -> Result<Self, AwsError> {
        let region = env.get_or("AWS_REGION", "us-east-1").to_owned();
        let endpoint = env
            .get("AWS_ENDPOINT_URL_SECRETS_MANAGER")
            .or_else(|| env.get("AWS_ENDPOINT_URL"))
            .map(|e| e.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("https://secretsmanager.{region}.amazonaws.com"));
        let access_key = env
            .get("AWS_ACCESS_KEY_ID")
            .ok_or(AwsError::NoCredentials)?;
        let secret_key = env
            .get("AWS_SECRET_ACCESS_KEY")
            .ok_or(AwsError::NoCredentials)?;
        let host = endpoint
            .split("://")
            .nth(1)
            .unwrap_or(&endpoint)
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        Ok(Self {
            host,
            endpoint,
            region,
            access_key: access_key.to_owned(),
            secret_key: secret_key.to_owned(),
            session_token: env.get("AWS_SESSION_TOKEN").map(str::to_owned),
            http: reqwest::Client::builder()
                .connect_timeout(std::time::Duration::from_secs(10))
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
        })
    }

    /// The secret string of `name`; `None` when there is no such secret.
    pub async fn get_secret_value(&self, name: &str) -> Result<Option<String>, AwsError> {
        match self.call("GetSecretValue", json!({"SecretId": name})).await {
            Ok(v) => Ok(v["SecretString"].as_str().map(str::to_owned)),
            Err(AwsError::Service { kind, .. }) if kind.contains("ResourceNotFoundException") => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Creates secret `name` holding `value`.
    pub async fn create_secret(&self, name: &str, value: &str) -> Result<(), AwsError> {
        self.call("CreateSecret", json!({"Name": name, "SecretString": value}))
            .await
            .map(|_| ())
    }

    /// Deletes secret `name` at once (no recovery window).
    pub async fn delete_secret(&self, name: &str) -> Result<(), AwsError> {
        self.call(
            "DeleteSecret",
            json!({"SecretId": name, "ForceDeleteWithoutRecovery": true}),
        )
        .await
        .map(|_| ())
    }

    async fn call(&self, action: &str, body: Value) -> Result<Value, AwsError> {
        let payload = body.to_string();
        let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
        let amz_date: String = now.chars().filter(|c| *c != '-' && *c != ':').collect();
        let target = format!("secretsmanager.{action}");
        let mut headers = vec![
            ("content-type", "application/x-amz-json-1.1".to_owned()),
            ("host", self.host.clone()),
            ("x-amz-date", amz_date.clone()),
            ("x-amz-target", target.clone()),
        ];
        if let Some(token) = &self.session_token {
            headers.push(("x-amz-security-token", token.clone()));
        }
        // SigV4 signs headers sorted by name.
        headers.sort_by(|a, b| a.0.cmp(b.0));
        let authorization = sign(&SigningInput {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            payload: payload.as_bytes(),
            amz_date: &amz_date,
            region: &self.region,
            service: "secretsmanager",
            access_key: &self.access_key,
            secret_key: &self.secret_key,
        });
        let mut request = self
            .http
            .post(format!("{}/", self.endpoint))
            .header("authorization", authorization)
            .body(payload);
        for (name, value) in headers.iter().filter(|(n, _)| *n != "host") {
            request = request.header(*name, value);
        }
        let network = |e: reqwest::Error| AwsError::Network {
            endpoint: self.endpoint.clone(),
            message: e.to_string(),
        };
        let response = request.send().await.map_err(network)?;
        let status = response.status();
        let text = response.text().await.map_err(network)?;
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(value);
        }
        let kind = value["__type"].as_str().unwrap_or("error").to_owned();
        let message = value["message"]
            .as_str()
            .or_else(|| value["Message"].as_str())
            .unwrap_or(status.as_str())
            .to_owned();
        Err(AwsError::Service { kind, message })
    }
}

/// What Signature Version 4 signs.
pub(crate) struct SigningInput<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    /// Lower-case names, sorted by name.
    pub(crate) headers: &'a [(&'a str, String)],
    pub(crate) payload: &'a [u8],
    /// `YYYYMMDDTHHMMSSZ`.
    pub(crate) amz_date: &'a str,
    pub(crate) region: &'a str,
    pub(crate) service: &'a str,
    pub(crate) access_key: &'a str,
    pub(crate) secret_key: &'a str,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac_sha256(key: &[u8], data: &str) -> hmac::Tag {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data.as_bytes())
}

/// The `Authorization` header of a request (AWS Signature Version 4).
pub(crate) fn sign(input: &SigningInput<'_>) -> String {
    let signed_headers: Vec<&str> = input.headers.iter().map(|(n, _)| *n).collect();
    let signed_headers = signed_headers.join(";");
    let canonical_headers: String = input
        .headers
        .iter()
        .map(|(n, v)| format!("{n}:{}\n", v.trim()))
        .collect();
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        input.method,
        input.path,
        input.query,
        hex(digest::digest(&digest::SHA256, input.payload).as_ref())
    );
    let date = &input.amz_date[..8];
    let scope = format!("{date}/{}/{}/aws4_request", input.region, input.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        input.amz_date,
        hex(digest::digest(&digest::SHA256, canonical_request.as_bytes()).as_ref())
    );
    let k_date = hmac_sha256(format!("AWS4{}", input.secret_key).as_bytes(), date);
    let k_region = hmac_sha256(k_date.as_ref(), input.region);
    let k_service = hmac_sha256(k_region.as_ref(), input.service);
    let k_signing = hmac_sha256(k_service.as_ref(), "aws4_request");
    let signature = hex(hmac_sha256(k_signing.as_ref(), &string_to_sign).as_ref());
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        input.access_key
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's documented Signature Version 4 example (IAM ListUsers, 2015-08-30).
    #[test]
    fn signs_the_documented_example() {
        let headers = [
            (
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8".to_owned(),
            ),
            ("host", "iam.amazonaws.com".to_owned()),
            ("x-amz-date", "20150830T123600Z".to_owned()),
        ];
        let auth = sign(&SigningInput {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: &headers,
            payload: b"",
            amz_date: "20150830T123600Z",
            region: "us-east-1",
            service: "iam",
            access_key: "AKIDEXAMPLE",
            secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        });
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, \
             Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }
}
