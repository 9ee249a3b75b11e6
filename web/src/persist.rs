//! What the playground keeps in localStorage, exports as a snapshot file and puts in share
//! links. Pure functions over strings, so they are tested natively.

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shell::{MemoryFs, ShellState};

/// The localStorage key; the number is [`SAVE_FORMAT`], so an incompatible kubeplay never
/// misreads an old save (it reports it and starts fresh).
pub const STORAGE_KEY: &str = "kubeplay/v1";
/// Format version of [`Saved`]; bumped whenever its shape changes incompatibly.
pub const SAVE_FORMAT: u32 = 1;
/// Largest share-link fragment accepted or produced (browsers and chat apps truncate longer URLs).
pub const SHARE_LIMIT: usize = 32 * 1024;
/// The fragment prefix of a share link.
pub const SHARE_PREFIX: &str = "#manifests=";

/// Everything the page saves: the cluster, the shell, the files and the UI preferences.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Saved {
    pub format: u32,
    /// `Cluster::snapshot()`.
    pub cluster: Value,
    pub shell: ShellState,
    pub fs: MemoryFs,
    #[serde(default)]
    pub prefs: Prefs,
}

/// UI preferences kept with the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Prefs {
    pub dark: bool,
    /// Virtual seconds per real second: 1, 5 or 20.
    pub speed: u32,
    pub paused: bool,
    /// The file open in the editor (absolute path).
    pub editor_file: String,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            dark: true,
            speed: 1,
            paused: false,
            editor_file: String::new(),
        }
    }
}

/// Reads a save (from localStorage or an imported file); the error is shown to the user.
pub fn decode(text: &str) -> Result<Saved, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("the saved data is not valid JSON ({e})"))?;
    match value.get("format").and_then(Value::as_u64) {
        Some(v) if v == u64::from(SAVE_FORMAT) => {}
        Some(v) => {
            return Err(format!(
                "the saved data has format version {v}; this kubeplay reads version {SAVE_FORMAT}"
            ))
        }
        None => return Err("the saved data is not a kubeplay snapshot (no format version)".to_string()),
    }
    serde_json::from_value(value).map_err(|e| format!("the saved data is corrupt ({e})"))
}

pub fn encode(saved: &Saved) -> String {
    serde_json::to_string(saved).unwrap_or_default()
}

/// The fragment of a share link carrying `manifests`, or why it cannot be made.
pub fn share_fragment(manifests: &str) -> Result<String, String> {
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(manifests.as_bytes());
    let fragment = format!("{SHARE_PREFIX}{encoded}");
    if fragment.len() > SHARE_LIMIT {
        return Err(format!(
            "the manifests are too large for a share link ({} bytes encoded; the limit is {SHARE_LIMIT})",
            fragment.len()
        ));
    }
    Ok(fragment)
}

/// The manifests in a share-link fragment (`#manifests=…`): `Ok(None)` when the fragment is
/// not a share link, `Err` when it is one but cannot be read. The result is plain text for
/// the editor, never markup.
pub fn parse_share_fragment(fragment: &str) -> Result<Option<String>, String> {
    let Some(encoded) = fragment.strip_prefix(SHARE_PREFIX) else {
        return Ok(None);
    };
    if fragment.len() > SHARE_LIMIT {
        return Err(format!("the share link is too long (limit {SHARE_LIMIT} bytes)"));
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded.trim_end_matches('=').as_bytes())
        .map_err(|e| format!("the share link is damaged ({e})"))?;
    let text = String::from_utf8(bytes).map_err(|_| "the share link does not hold text".to_string())?;
    // Control characters other than newlines and tabs have no place in a manifest.
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err("the share link holds control characters".to_string());
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Saved {
        Saved {
            format: SAVE_FORMAT,
            cluster: serde_json::json!({"version": 1}),
            shell: ShellState::default(),
            fs: MemoryFs::default().with_file("/root/a.yaml", "kind: Pod\n"),
            prefs: Prefs {
                dark: false,
                speed: 5,
                paused: true,
                editor_file: "/root/a.yaml".into(),
            },
        }
    }

    #[test]
    fn a_save_reads_back_unchanged() {
        let back = decode(&encode(&sample())).unwrap();
        assert_eq!(back.prefs, sample().prefs);
        assert_eq!(back.fs, sample().fs);
        assert_eq!(back.shell, sample().shell);
    }

    #[test]
    fn broken_or_foreign_saves_are_refused_with_a_reason() {
        let cases = [
            ("{not json", "not valid JSON"),
            ("{}", "no format version"),
            (r#"{"format": 7}"#, "format version 7; this kubeplay reads version 1"),
            (r#"{"format": 1, "cluster": {}}"#, "corrupt"),
            ("[]", "no format version"),
        ];
        for (text, want) in cases {
            let err = decode(text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn missing_prefs_take_their_defaults() {
        let mut v = serde_json::to_value(sample()).unwrap();
        v.as_object_mut().unwrap().remove("prefs");
        let back = decode(&v.to_string()).unwrap();
        assert_eq!(back.prefs, Prefs::default());
    }

    #[test]
    fn share_links_round_trip_text() {
        let text = "apiVersion: v1\nkind: Pod # ünïcode\n---\n<b>not html</b>\n";
        let fragment = share_fragment(text).unwrap();
        assert!(fragment.starts_with(SHARE_PREFIX));
        assert_eq!(parse_share_fragment(&fragment).unwrap().as_deref(), Some(text));
    }

    #[test]
    fn share_fragments_are_checked() {
        assert_eq!(parse_share_fragment("").unwrap(), None);
        assert_eq!(parse_share_fragment("#section").unwrap(), None);
        assert!(parse_share_fragment("#manifests=***").unwrap_err().contains("damaged"));
        // "\u{0}x" base64url-encoded.
        assert!(parse_share_fragment("#manifests=AHg").unwrap_err().contains("control"));
        // 0xff 0xfe is not UTF-8.
        assert!(parse_share_fragment("#manifests=__4").unwrap_err().contains("text"));
        let long = format!("{SHARE_PREFIX}{}", "A".repeat(SHARE_LIMIT));
        assert!(parse_share_fragment(&long).unwrap_err().contains("too long"));
        assert!(share_fragment(&"x".repeat(SHARE_LIMIT))
            .unwrap_err()
            .contains("too large"));
    }
}
