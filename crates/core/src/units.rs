//! How sizes and shares are shown to people: one definition for every
//! front end (text, Markdown, HTML, `check`, the explorer). Machine output
//! (JSON, CSV) keeps exact byte counts and unrounded ratios.

/// Human-readable bytes for text output: decimal units like docker, with
/// the exact byte count left to JSON. Three significant figures from 1 kB
/// up (`1.23 GB`, `18.2 MB`, `250 MB`); below that, bytes (`999 B`).
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64;
    let mut unit = "B";
    for u in UNITS {
        if v < 1000.0 {
            break;
        }
        v /= 1000.0;
        unit = u;
    }
    if v < 10.0 {
        format!("{v:.2} {unit}")
    } else if v < 100.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.0} {unit}")
    }
}

/// `part / whole * 100`, and 0 when there is no whole.
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// `part` as a share of `whole`, one decimal: `33.3%` (`0.0%` when there
/// is no whole).
pub fn pct(part: u64, whole: u64) -> String {
    format!("{:.1}%", percent(part, whole))
}

/// A 0-1 ratio as a percentage, one decimal: `0.5` is `50.0%`.
pub fn ratio_pct(ratio: f64) -> String {
    format!("{:.1}%", ratio * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_below_a_kilobyte_is_bytes() {
        assert_eq!(human(0), "0 B");
        assert_eq!(human(1), "1 B");
        assert_eq!(human(999), "999 B");
    }

    #[test]
    fn human_exact_powers_of_1000_and_1024() {
        assert_eq!(human(1_000), "1.00 kB");
        assert_eq!(human(1_000_000), "1.00 MB");
        assert_eq!(human(1_000_000_000), "1.00 GB");
        assert_eq!(human(1_000_000_000_000), "1.00 TB");
        assert_eq!(human(1_000_000_000_000_000), "1.00 PB");
        // Decimal units: a KiB is 1.024 kB, a MiB 1.048576 MB, a GiB
        // 1.073741824 GB.
        assert_eq!(human(1 << 10), "1.02 kB");
        assert_eq!(human(1 << 20), "1.05 MB");
        assert_eq!(human(1 << 30), "1.07 GB");
        assert_eq!(human(1 << 40), "1.10 TB");
    }

    #[test]
    fn human_precision_follows_the_magnitude() {
        assert_eq!(human(18_200_000), "18.2 MB");
        assert_eq!(human(1_234_567_890), "1.23 GB");
        assert_eq!(human(250_000_000), "250 MB");
        assert_eq!(human(10_000), "10.0 kB");
        assert_eq!(human(100_000), "100 kB");
    }

    #[test]
    fn human_rounding_edges() {
        // 9.994 -> 9.99; 9.999 rounds up to 10.00 (two decimals chosen
        // before rounding), likewise 99.99 -> 100.0 and 999.9 -> 1000.
        assert_eq!(human(9_994), "9.99 kB");
        assert_eq!(human(9_999), "10.00 kB");
        assert_eq!(human(99_949), "99.9 kB");
        assert_eq!(human(99_990), "100.0 kB");
        assert_eq!(human(999_499), "999 kB");
        assert_eq!(human(999_999), "1000 kB");
        // 1.125 is exact in binary: a true tie, rounded half to even.
        assert_eq!(human(1_125), "1.12 kB");
        assert_eq!(human(1_375), "1.38 kB");
        // Past PB there is no larger unit.
        assert_eq!(human(1_000_000_000_000_000_000), "1000 PB");
        assert_eq!(human(u64::MAX), "18447 PB");
    }

    #[test]
    fn percent_and_pct() {
        assert_eq!(percent(0, 0), 0.0);
        assert_eq!(percent(5, 0), 0.0);
        assert_eq!(percent(1, 4), 25.0);
        assert_eq!(percent(4, 4), 100.0);
        assert_eq!(pct(0, 0), "0.0%");
        assert_eq!(pct(7, 0), "0.0%");
        assert_eq!(pct(0, 7), "0.0%");
        assert_eq!(pct(1, 1), "100.0%");
        assert_eq!(pct(1, 3), "33.3%");
        assert_eq!(pct(2, 3), "66.7%");
        // More than the whole is shown as is.
        assert_eq!(pct(3, 2), "150.0%");
        // 0.05 is a hair above 1/20 in binary: rounds up.
        assert_eq!(pct(1, 2_000), "0.1%");
        assert_eq!(pct(1, 2_001), "0.0%");
        // Exact ties (6.25, 18.75): half to even.
        assert_eq!(pct(1, 16), "6.2%");
        assert_eq!(pct(3, 16), "18.8%");
    }

    #[test]
    fn ratio_pct_is_one_decimal() {
        assert_eq!(ratio_pct(0.0), "0.0%");
        assert_eq!(ratio_pct(1.0), "100.0%");
        assert_eq!(ratio_pct(0.5), "50.0%");
        assert_eq!(ratio_pct(0.4406), "44.1%");
    }
}
