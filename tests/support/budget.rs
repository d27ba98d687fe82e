//! A `check` limit tried in its every form: as a budget-file key, as a flag,
//! and as a flag over a file that says the opposite (the flag wins).

use std::path::Path;

use serde_json::Value;

/// Run `check` on `image` with `rule`'s limit at `value` (must pass) and
/// `value - 1` (must fail), in the three forms; `flag(limit)` is the
/// command-line argument, `key(limit)` the budget file's text. The check
/// must be the only one, with `value` as what it measured.
pub fn assert_limit_forms(
    image: &Path,
    rule: &str,
    value: u64,
    flag: fn(u64) -> String,
    key: fn(u64) -> String,
) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("budget.toml");
    for (limit, pass) in [(value, true), (value - 1, false)] {
        let opposite = if pass { value - 1 } else { value };
        for how in ["file", "flag", "flag over file"] {
            let mut c = super::bin();
            c.args(["check", "--no-cache", "--format", "json"]);
            if how != "flag" {
                let v = if how == "file" { limit } else { opposite };
                std::fs::write(&config, key(v)).unwrap();
                c.arg("--config").arg(&config);
            }
            if how != "file" {
                c.arg(flag(limit));
            }
            let out = c.arg(image).output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(if pass { 0 } else { 1 }),
                "{rule} {how} {limit}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let r: Value = serde_json::from_slice(&out.stdout).unwrap();
            let checks = r["checks"].as_array().unwrap();
            assert_eq!(checks.len(), 1, "{rule} {how}: {checks:?}");
            let got = &checks[0];
            assert_eq!(got["rule"], rule, "{how}");
            assert_eq!(got["value"], value, "{rule} {how}");
            assert_eq!(got["limit"], limit, "{rule} {how}");
            assert_eq!(got["status"], if pass { "pass" } else { "fail" });
        }
    }
}
