//! Resource quantities (`100m`, `1.5`, `128Mi`, `1G`, `2e3`) as the API understands them.

/// Parses a quantity into thousandths of its unit (millicores for cpu, millibytes for memory),
/// rounding up like the API server does for sub-milli precision.
///
/// Worked example: `"250m"` → 250; `"1.5"` → 1500; `"128Mi"` → 128 × 1024² × 1000.
pub fn parse_milli(s: &str) -> Option<i128> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(split);
    let (mantissa, exp10, bin): (&str, i32, u32) = match suffix {
        "" => (num, 0, 0),
        "n" => (num, -9, 0),
        "u" => (num, -6, 0),
        "m" => (num, -3, 0),
        "k" => (num, 3, 0),
        "M" => (num, 6, 0),
        "G" => (num, 9, 0),
        "T" => (num, 12, 0),
        "P" => (num, 15, 0),
        "E" => (num, 18, 0),
        "Ki" => (num, 0, 10),
        "Mi" => (num, 0, 20),
        "Gi" => (num, 0, 30),
        "Ti" => (num, 0, 40),
        "Pi" => (num, 0, 50),
        "Ei" => (num, 0, 60),
        other => {
            let e = other
                .strip_prefix('e')
                .or_else(|| other.strip_prefix('E'))?;
            (num, e.parse::<i32>().ok()?, 0)
        }
    };
    if mantissa.is_empty() || mantissa == "+" || mantissa == "-" {
        return None;
    }
    let negative = mantissa.starts_with('-');
    let digits = mantissa.trim_start_matches(['+', '-']);
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_part.chars().all(|c| c.is_ascii_digit())
        || !frac_part.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    if int_part.len() + frac_part.len() > 30 {
        return None;
    }
    // value = int.frac × 10^exp10 × 2^bin × 1000, kept as an integer with a decimal scale.
    let mut all: i128 = 0;
    for d in int_part.bytes().chain(frac_part.bytes()) {
        all = all * 10 + i128::from(d - b'0');
    }
    let mut scale: i32 = exp10 + 3 - frac_part.len() as i32;
    let mut v = all.checked_mul(1i128.checked_shl(bin)?)?;
    while scale > 0 {
        v = v.checked_mul(10)?;
        scale -= 1;
    }
    if scale < 0 {
        // Dividing by 10^-scale, rounding up as resource.Quantity's MilliValue does.
        let mut div: i128 = 1;
        while scale < 0 && div <= v {
            div *= 10;
            scale += 1;
        }
        let (q, r) = if scale < 0 {
            (0, v)
        } else {
            (v / div, v % div)
        };
        v = q + i128::from(r != 0);
    }
    Some(if negative { -v } else { v })
}

/// True if `s` is a syntactically valid quantity.
pub fn is_valid(s: &str) -> bool {
    parse_milli(s).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn parses_cpu_and_memory_forms() {
        assert_eq!(parse_milli("250m"), Some(250));
        assert_eq!(parse_milli("1.5"), Some(1500));
        assert_eq!(parse_milli("2"), Some(2000));
        assert_eq!(parse_milli("128Mi"), Some(128 * 1024 * 1024 * 1000));
        assert_eq!(parse_milli("1G"), Some(1_000_000_000_000));
        assert_eq!(parse_milli("2e3"), Some(2_000_000));
        assert_eq!(parse_milli("0.5m"), Some(1));
        assert_eq!(parse_milli("abc"), None);
        assert_eq!(parse_milli("1Zi"), None);
        assert_eq!(parse_milli(""), None);
    }
}
