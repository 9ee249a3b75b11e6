//! `resource.Quantity` (k8s.io/apimachinery/pkg/api/resource): parsing with upstream's errors,
//! exact decimal arithmetic, rounding to nano units, and the canonical string form.
//!
//! Values are kept as `unscaled × 10^scale` in an i128, which covers every realistic quantity;
//! inputs with more than 38 significant digits are rejected rather than held as big numbers.

use serde_json::Value;
use std::cmp::Ordering;
use std::fmt;

/// The regular expression quoted in upstream's format error.
pub const QUANTITY_REGEX: &str = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
    FormatWrong,
    #[error("unable to parse numeric part of quantity")]
    Numeric,
    #[error("unable to parse quantity's suffix")]
    Suffix,
}

/// How a quantity prints (`resource.Format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `12e6`
    DecimalExponent,
    /// `12Mi`
    BinarySI,
    /// `12M`
    DecimalSI,
}

/// A quantity: exact value, format, and the original text when upstream keeps it (it keeps
/// the input string when it is already canonical-looking, e.g. `100m`, `1Ki`, `01`).
#[derive(Debug, Clone)]
pub struct Quantity {
    unscaled: i128,
    scale: i32,
    format: Format,
    cached: Option<String>,
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Quantity {}
impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_dec(self.unscaled, self.scale, other.unscaled, other.scale)
    }
}

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

/// Strips trailing decimal zeros into the scale.
fn normalize(mut unscaled: i128, mut scale: i32) -> (i128, i32) {
    if unscaled == 0 {
        return (0, 0);
    }
    while unscaled % 10 == 0 {
        unscaled /= 10;
        scale = scale.saturating_add(1);
    }
    (unscaled, scale)
}

fn digits(u: i128) -> i64 {
    let mut n = u.unsigned_abs();
    let mut d = 0;
    while n > 0 {
        n /= 10;
        d += 1;
    }
    d
}

fn cmp_dec(a: i128, sa: i32, b: i128, sb: i32) -> Ordering {
    let sign = |x: i128| x.signum();
    if sign(a) != sign(b) || a == 0 {
        return sign(a).cmp(&sign(b));
    }
    let (a, sa) = normalize(a, sa);
    let (b, sb) = normalize(b, sb);
    // compare magnitudes by order first; equal orders can be aligned without overflow
    let (ma, mb) = (digits(a) + i64::from(sa), digits(b) + i64::from(sb));
    let mag = if ma != mb {
        ma.cmp(&mb)
    } else {
        let (x, y) = align(a.unsigned_abs(), sa, b.unsigned_abs(), sb);
        x.cmp(&y)
    };
    if a < 0 {
        mag.reverse()
    } else {
        mag
    }
}

/// Brings two magnitudes of the same order to one scale (no overflow: same digit count).
fn align(a: u128, sa: i32, b: u128, sb: i32) -> (u128, u128) {
    match sa.cmp(&sb) {
        Ordering::Equal => (a, b),
        Ordering::Greater => (a.saturating_mul(10u128.saturating_pow(sa.abs_diff(sb))), b),
        Ordering::Less => (a, b.saturating_mul(10u128.saturating_pow(sa.abs_diff(sb)))),
    }
}

/// Divides by 10^n rounding away from zero; also says whether it was exact.
fn div_pow10_away(v: i128, n: u32) -> (i128, bool) {
    match pow10(n) {
        Some(d) => {
            let q = v / d;
            let r = v % d;
            if r == 0 {
                (q, true)
            } else {
                (q + v.signum(), false)
            }
        }
        None => (if v == 0 { 0 } else { v.signum() }, v == 0),
    }
}

struct Parts<'a> {
    positive: bool,
    value: &'a str,
    num: &'a str,
    denom: &'a str,
    suffix: &'a str,
}

/// parseQuantityString, byte for byte.
fn split(s: &str) -> Result<Parts<'_>, QuantityError> {
    let b = s.as_bytes();
    let end = b.len();
    let mut p = Parts {
        positive: true,
        value: "",
        num: "",
        denom: "",
        suffix: "",
    };
    let mut pos = 0;
    match b.first() {
        Some(b'-') => {
            p.positive = false;
            pos += 1;
        }
        Some(b'+') => pos += 1,
        _ => {}
    }
    // leading zeros
    let mut i = pos;
    loop {
        if i >= end {
            p.num = "0";
            p.value = "0";
            return Ok(p);
        }
        if b[i] == b'0' {
            pos += 1;
            i += 1;
        } else {
            break;
        }
    }
    let mut i = pos;
    loop {
        if i >= end {
            p.num = &s[pos..end];
            p.value = &s[..end];
            return Ok(p);
        }
        if b[i].is_ascii_digit() {
            i += 1;
        } else {
            p.num = &s[pos..i];
            pos = i;
            break;
        }
    }
    if p.num.is_empty() {
        p.num = "0";
    }
    if pos < end && b[pos] == b'.' {
        pos += 1;
        let mut i = pos;
        loop {
            if i >= end {
                p.denom = &s[pos..end];
                p.value = &s[..end];
                return Ok(p);
            }
            if b[i].is_ascii_digit() {
                i += 1;
            } else {
                p.denom = &s[pos..i];
                pos = i;
                break;
            }
        }
    }
    p.value = &s[..pos];
    let suffix_start = pos;
    let mut i = pos;
    loop {
        if i >= end {
            p.suffix = &s[suffix_start..end];
            return Ok(p);
        }
        if !b"eEinumkKMGTP".contains(&b[i]) {
            pos = i;
            break;
        }
        i += 1;
    }
    if pos < end && matches!(b[pos], b'-' | b'+') {
        pos += 1;
    }
    let mut i = pos;
    loop {
        if i >= end {
            p.suffix = &s[suffix_start..end];
            return Ok(p);
        }
        if b[i].is_ascii_digit() {
            i += 1;
        } else {
            break;
        }
    }
    Err(QuantityError::FormatWrong)
}

/// quantitySuffixer.interpret: (base, exponent, format).
fn interpret(suffix: &str) -> Option<(u32, i32, Format)> {
    Some(match suffix {
        "" => (10, 0, Format::DecimalSI),
        "n" => (10, -9, Format::DecimalSI),
        "u" => (10, -6, Format::DecimalSI),
        "m" => (10, -3, Format::DecimalSI),
        "k" => (10, 3, Format::DecimalSI),
        "M" => (10, 6, Format::DecimalSI),
        "G" => (10, 9, Format::DecimalSI),
        "T" => (10, 12, Format::DecimalSI),
        "P" => (10, 15, Format::DecimalSI),
        "E" => (10, 18, Format::DecimalSI),
        "Ki" => (2, 10, Format::BinarySI),
        "Mi" => (2, 20, Format::BinarySI),
        "Gi" => (2, 30, Format::BinarySI),
        "Ti" => (2, 40, Format::BinarySI),
        "Pi" => (2, 50, Format::BinarySI),
        "Ei" => (2, 60, Format::BinarySI),
        s if s.len() > 1 && (s.starts_with('e') || s.starts_with('E')) => {
            // upstream parses an int64 and converts it to int32 (wrapping)
            let e: i64 = s.get(1..)?.parse().ok()?;
            (10, e as i32, Format::DecimalExponent)
        }
        _ => return None,
    })
}

/// Parses `[+-]digits[.digits]` into (unscaled, scale).
fn parse_decimal(value: &str) -> Result<(i128, i32), QuantityError> {
    let (neg, body) = match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    let (int_part, frac) = body.split_once('.').unwrap_or((body, ""));
    if int_part.is_empty() && frac.is_empty() {
        return Err(QuantityError::Numeric);
    }
    let all: String = format!("{int_part}{frac}");
    let trimmed = all.trim_start_matches('0');
    let mut scale = -i32::try_from(frac.len()).map_err(|_| QuantityError::Numeric)?;
    let significant = trimmed.trim_end_matches('0');
    scale = scale.saturating_add(i32::try_from(trimmed.len() - significant.len()).map_err(|_| QuantityError::Numeric)?);
    if significant.is_empty() {
        return Ok((0, 0));
    }
    let mut u: i128 = significant.parse().map_err(|_| QuantityError::Numeric)?;
    if neg {
        u = -u;
    }
    Ok((u, scale))
}

const NANO: i32 = -9;
const MAX_INT64_FACTORS: i64 = 18;

impl Quantity {
    /// resource.ParseQuantity.
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        if s.is_empty() {
            return Err(QuantityError::FormatWrong);
        }
        if s == "0" {
            return Ok(Quantity {
                unscaled: 0,
                scale: 0,
                format: Format::DecimalSI,
                cached: Some("0".to_string()),
            });
        }
        let p = split(s)?;
        let (base, exponent, format) = interpret(p.suffix).ok_or(QuantityError::Suffix)?;

        // upstream's int64 fast path decides whether the input text is kept as the string form
        let (num_len, denom_len) = (p.num.len() as i64, p.denom.len() as i64);
        let mut mantissa: i64 = 1;
        let mut scale: i64 = 0;
        let precision: i64 = match format {
            Format::DecimalExponent | Format::DecimalSI => {
                scale = i64::from(exponent);
                MAX_INT64_FACTORS - (num_len + denom_len)
            }
            Format::BinarySI => {
                if exponent >= 0 && p.denom.is_empty() {
                    mantissa = 1i64 << exponent.clamp(0, 62);
                    15 - num_len - ((exponent as f32) * 3.0 / 10.0) as i64 - 1
                } else {
                    -1
                }
            }
        };
        if precision >= 0 {
            scale -= denom_len;
            if scale >= i64::from(NANO) {
                let shifted = format!("{}{}", p.num, p.denom);
                let value: i64 = shifted.parse().map_err(|_| QuantityError::Numeric)?;
                if let Some(mut result) = value.checked_mul(mantissa) {
                    if !p.positive {
                        result = -result;
                    }
                    let keep = match format {
                        Format::BinarySI => exponent % 10 == 0 && value & 0x07 != 0,
                        _ => scale % 3 == 0 && !shifted.ends_with("000") && !shifted.starts_with('0'),
                    };
                    let scale = i32::try_from(scale).map_err(|_| QuantityError::Numeric)?;
                    let (unscaled, scale) = normalize(i128::from(result), scale);
                    return Ok(Quantity {
                        unscaled,
                        scale,
                        format,
                        cached: keep.then(|| s.to_string()),
                    });
                }
            }
        }

        // the exact path: value × base^exponent, rounded up to nano units
        let (mut unscaled, mut scale) = parse_decimal(p.value)?;
        let mut capped = false;
        if base == 10 {
            scale = scale.saturating_add(exponent);
        } else {
            let factor = 1i128 << exponent.clamp(0, 62);
            match unscaled.checked_mul(factor) {
                Some(v) => unscaled = v,
                None => capped = true,
            }
        }
        if scale < NANO {
            let (v, _) = div_pow10_away(unscaled, NANO.abs_diff(scale));
            unscaled = v;
            scale = NANO;
        }
        let mut format = format;
        if format == Format::BinarySI {
            let max = (i128::from(i64::MAX), 0);
            let positive = unscaled >= 0;
            let mag = unscaled.abs();
            if capped || cmp_dec(mag, scale, max.0, max.1) == Ordering::Greater {
                unscaled = if positive { max.0 } else { -max.0 };
                scale = 0;
            } else if mag != 0 && cmp_dec(mag, scale, 1, 0) == Ordering::Less {
                format = Format::DecimalSI;
            }
        }
        let (unscaled, scale) = normalize(unscaled, scale);
        Ok(Quantity {
            unscaled,
            scale,
            format,
            cached: None,
        })
    }

    /// A quantity from a JSON field as `Quantity.UnmarshalJSON` reads it: a string (trimmed)
    /// or a number; `None` for null.
    pub fn from_json(v: &Value) -> Option<Result<Quantity, QuantityError>> {
        match v {
            Value::Null => None,
            Value::String(s) => Some(Quantity::parse(s.trim())),
            Value::Number(n) => Some(Quantity::parse(&n.to_string())),
            _ => Some(Err(QuantityError::FormatWrong)),
        }
    }

    /// A whole number of units in the given format (`resource.NewQuantity`).
    pub fn new(value: i64, format: Format) -> Quantity {
        let (unscaled, scale) = normalize(i128::from(value), 0);
        Quantity {
            unscaled,
            scale,
            format,
            cached: None,
        }
    }

    /// Thousandths (`resource.NewMilliQuantity`).
    pub fn new_milli(value: i64, format: Format) -> Quantity {
        let (unscaled, scale) = normalize(i128::from(value), -3);
        Quantity {
            unscaled,
            scale,
            format,
            cached: None,
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn is_zero(&self) -> bool {
        self.unscaled == 0
    }

    pub fn sign(&self) -> i32 {
        self.unscaled.signum() as i32
    }

    /// The value × 10^-scale as an integer, rounded away from zero, saturating.
    pub fn scaled_value(&self, scale: i32) -> i64 {
        let shift = i64::from(self.scale) - i64::from(scale);
        let v = if shift >= 0 {
            match u32::try_from(shift)
                .ok()
                .and_then(pow10)
                .and_then(|p| self.unscaled.checked_mul(p))
            {
                Some(v) => v,
                None => return if self.unscaled < 0 { i64::MIN } else { i64::MAX },
            }
        } else {
            div_pow10_away(self.unscaled, u32::try_from(-shift).unwrap_or(u32::MAX)).0
        };
        i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
    }

    /// `Value()`: whole units, rounded up.
    pub fn value(&self) -> i64 {
        self.scaled_value(0)
    }

    /// `MilliValue()`: thousandths, rounded up.
    pub fn milli_value(&self) -> i64 {
        self.scaled_value(-3)
    }

    /// A float approximation (AsApproximateFloat64).
    pub fn as_f64(&self) -> f64 {
        (self.unscaled as f64) * 10f64.powi(self.scale)
    }

    fn combine(&self, other: &Quantity, negate: bool) -> Quantity {
        let o = if negate { -other.unscaled } else { other.unscaled };
        let format = if self.is_zero() { other.format } else { self.format };
        let scale = self.scale.min(other.scale);
        let up = |u: i128, s: i32| pow10(s.abs_diff(scale)).and_then(|p| u.checked_mul(p));
        let sum = match (up(self.unscaled, self.scale), up(o, other.scale)) {
            (Some(a), Some(b)) => a.checked_add(b),
            _ => None,
        };
        let (unscaled, scale) = match sum {
            Some(v) => normalize(v, scale),
            // beyond i128: keep the larger operand (an approximation no real quantity reaches)
            None => {
                if cmp_dec(self.unscaled.abs(), self.scale, o.abs(), other.scale) == Ordering::Less {
                    (o, other.scale)
                } else {
                    (self.unscaled, self.scale)
                }
            }
        };
        Quantity {
            unscaled,
            scale,
            format,
            cached: None,
        }
    }

    /// `q.Add(y)` (the string form is recomputed).
    pub fn add(&self, other: &Quantity) -> Quantity {
        self.combine(other, false)
    }

    /// `q.Sub(y)`.
    pub fn sub(&self, other: &Quantity) -> Quantity {
        self.combine(other, true)
    }

    pub fn neg(&self) -> Quantity {
        Quantity {
            unscaled: -self.unscaled,
            scale: self.scale,
            format: self.format,
            cached: None,
        }
    }

    /// The canonical form (CanonicalizeBytes), ignoring any kept input text.
    pub fn canonical(&self) -> String {
        if self.unscaled == 0 {
            return "0".to_string();
        }
        let mut format = self.format;
        if format == Format::BinarySI {
            let small = cmp_dec(self.unscaled, self.scale, -1024, 0) == Ordering::Greater
                && cmp_dec(self.unscaled, self.scale, 1024, 0) == Ordering::Less;
            if small || self.scale < 0 {
                format = Format::DecimalSI;
            }
        }
        match format {
            Format::BinarySI => {
                let Some(mut n) = u32::try_from(self.scale)
                    .ok()
                    .and_then(pow10)
                    .and_then(|p| self.unscaled.checked_mul(p))
                else {
                    return self.decimal_string(Format::DecimalSI);
                };
                let mut times = 0;
                while n.abs() >= 1024 && n % 1024 == 0 {
                    n /= 1024;
                    times += 1;
                }
                let suffix = match times {
                    1 => "Ki",
                    2 => "Mi",
                    3 => "Gi",
                    4 => "Ti",
                    5 => "Pi",
                    6 => "Ei",
                    _ => "",
                };
                format!("{n}{suffix}")
            }
            f => self.decimal_string(f),
        }
    }

    fn decimal_string(&self, format: Format) -> String {
        let (amount, mut exp) = normalize(self.unscaled, self.scale);
        let mut number = amount.to_string();
        // bring the exponent down to a multiple of three
        while exp.rem_euclid(3) != 0 {
            number.push('0');
            exp -= 1;
        }
        let suffix = match format {
            Format::DecimalExponent => {
                if exp == 0 {
                    String::new()
                } else {
                    format!("e{exp}")
                }
            }
            // upstream has no suffix for other exponents and prints the bare number
            _ => match exp {
                -9 => "n",
                -6 => "u",
                -3 => "m",
                3 => "k",
                6 => "M",
                9 => "G",
                12 => "T",
                15 => "P",
                18 => "E",
                _ => "",
            }
            .to_string(),
        };
        format!("{number}{suffix}")
    }
}

impl fmt::Display for Quantity {
    /// `Quantity.String()`: the kept input text, else the canonical form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cached {
            Some(s) => f.write_str(s),
            None => f.write_str(&self.canonical()),
        }
    }
}

impl std::str::FromStr for Quantity {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quantity::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    // Every pair was checked with real kubectl v1.37.1:
    // kubectl create quota x --hard=cpu=<input> --dry-run=client -o yaml
    #[test]
    fn string_forms_match_upstream() {
        for (input, want) in [
            ("0", "0"),
            ("100m", "100m"),
            ("1000m", "1"),
            ("1500m", "1500m"),
            ("0.1", "100m"),
            ("0.5", "500m"),
            ("0.05", "50m"),
            ("1.5", "1500m"),
            ("1", "1"),
            ("01", "01"),
            ("+1", "+1"),
            ("1000", "1k"),
            ("1k", "1k"),
            ("1e3", "1e3"),
            ("1e2", "100"),
            ("1E3", "1E3"),
            ("2Gi", "2Gi"),
            ("1Ki", "1Ki"),
            ("8Ki", "8Ki"),
            ("1024Ki", "1Mi"),
            ("128Mi", "128Mi"),
            ("500Mi", "500Mi"),
            ("1.5Gi", "1536Mi"),
            ("0.5Gi", "512Mi"),
            ("1536", "1536"),
            ("1000Mi", "1000Mi"),
            ("0.5Ki", "512"),
            ("0.1Ki", "102400m"),
            ("1n", "1n"),
            ("0.1n", "1n"),
            ("1u", "1u"),
            ("-1", "-1"),
            ("-100m", "-100m"),
            ("-1.5Gi", "-1536Mi"),
            ("1000E", "1"),
            ("12e6", "12e6"),
            ("1.5e3", "1500"),
            ("000", "0"),
            (".5", "500m"),
            ("1.", "1."),
            ("1e30", "1e30"),
            ("100000000000Ei", "9223372036854775807"),
            ("1.0", "1"),
            ("10.50", "10500m"),
            ("0.0001", "100u"),
            ("1234567", "1234567"),
            ("1M", "1M"),
            ("1000k", "1M"),
            ("2048Ki", "2Mi"),
            ("1e-3", "1e-3"),
            ("1e-10", "1e-9"),
            ("5e-1", "500e-3"),
        ] {
            assert_eq!(q(input).to_string(), want, "{input}");
        }
    }

    #[test]
    fn parse_errors_use_upstream_texts() {
        let format = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
        for (input, want) in [
            ("", format),
            ("abc", format),
            ("1.2.3", format),
            ("1 Gi", format),
            ("1Gb", format),
            ("1Z", format),
            ("1e", "unable to parse quantity's suffix"),
            ("1iK", "unable to parse quantity's suffix"),
            ("1KiB", format),
            ("10Mib", format),
        ] {
            assert_eq!(
                Quantity::parse(input).map_err(|e| e.to_string()),
                Err(want.to_string()),
                "{input:?}"
            );
        }
    }

    #[test]
    fn values_round_up_like_upstream() {
        for (input, value, milli) in [
            ("100m", 1, 100),
            ("1", 1, 1000),
            ("1.5", 2, 1500),
            ("2Gi", 2_147_483_648, 2_147_483_648_000),
            ("1n", 1, 1),
            ("0", 0, 0),
            ("-1.5", -2, -1500),
            ("1e3", 1000, 1_000_000),
            // upstream returns 0 when the milli value overflows; this saturates instead
            ("1E", 1_000_000_000_000_000_000, i64::MAX),
        ] {
            assert_eq!(q(input).value(), value, "{input}");
            assert_eq!(q(input).milli_value(), milli, "{input}");
        }
    }

    #[test]
    fn comparison_and_arithmetic_are_exact() {
        assert_eq!(q("1"), q("1000m"));
        assert_eq!(q("1Ki"), q("1024"));
        assert!(q("500m") < q("1"));
        assert!(q("1Gi") > q("1G"));
        assert!(q("-1") < q("0"));
        assert!(q("1e30") > q("1E"));
        assert_eq!(q("100m").add(&q("900m")).to_string(), "1");
        assert_eq!(q("1Gi").add(&q("512Mi")).to_string(), "1536Mi");
        assert_eq!(q("1").sub(&q("250m")).to_string(), "750m");
        assert_eq!(q("0").add(&q("1Ki")).to_string(), "1Ki");
        assert_eq!(q("100m").neg().to_string(), "-100m");
    }

    #[test]
    fn binary_values_are_capped_at_max_int64() {
        assert_eq!(q("100000000000Ei").value(), i64::MAX);
        assert_eq!(q("100000000000Ei").to_string(), "9223372036854775807");
    }

    #[test]
    fn json_fields_accept_strings_and_numbers() {
        assert_eq!(
            Quantity::from_json(&json!(" 1.5 ")).map(|r| r.map(|q| q.to_string())),
            Some(Ok("1500m".into()))
        );
        assert_eq!(
            Quantity::from_json(&json!(2)).map(|r| r.map(|q| q.to_string())),
            Some(Ok("2".into()))
        );
        assert!(Quantity::from_json(&Value::Null).is_none());
        assert!(matches!(Quantity::from_json(&json!(true)), Some(Err(_))));
    }

    #[test]
    fn constructors_print_canonically() {
        assert_eq!(Quantity::new(2048, Format::BinarySI).to_string(), "2Ki");
        assert_eq!(Quantity::new_milli(250, Format::DecimalSI).to_string(), "250m");
        assert_eq!(Quantity::new(0, Format::BinarySI).to_string(), "0");
    }
}
