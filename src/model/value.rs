//! Typed field values and how they are shown.

use serde::ser::{Serialize, Serializer};
use std::fmt::Write as _;
use std::net::Ipv6Addr;

/// How a number is shown: Wireshark's BASE_DEC / BASE_HEX.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    Dec,
    /// Hex with this many digits, "0x" prefixed.
    Hex(u8),
    /// Not a number (addresses, text, booleans, bytes).
    None,
}

/// A field's typed value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A label-only field (a header group, an option with no value).
    None,
    U64(u64),
    I64(i64),
    Bool(bool),
    Ipv4([u8; 4]),
    Ipv6([u8; 16]),
    Mac([u8; 6]),
    Bytes(Box<[u8]>),
    Str(Box<str>),
    /// Text from a static table (no allocation).
    Static(&'static str),
    /// A time: nanoseconds since the epoch, shown with `digits` decimals.
    Time {
        ns: i64,
        digits: u8,
    },
}

impl Value {
    pub fn bytes(b: &[u8]) -> Value {
        Value::Bytes(b.into())
    }

    pub fn str(s: &str) -> Value {
        Value::Str(s.into())
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::U64(v) => Some(*v),
            Value::I64(v) => u64::try_from(*v).ok(),
            Value::Bool(b) => Some(u64::from(*b)),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::U64(v) => Some(*v != 0),
            _ => None,
        }
    }

    /// Default display text.
    pub fn format(&self, base: Base) -> String {
        let mut s = String::new();
        self.write_to(base, &mut s);
        s
    }

    /// Append the default display text to `out` (no intermediate allocation: the JSON writer
    /// and the GUI call this for every field they show).
    pub fn write_to(&self, base: Base, out: &mut String) {
        match self {
            Value::None => {}
            Value::U64(v) => match base {
                Base::Hex(w) => push_hex(out, *v, usize::from(w)),
                _ => out.push_str(itoa::Buffer::new().format(*v)),
            },
            Value::I64(v) => out.push_str(itoa::Buffer::new().format(*v)),
            Value::Bool(b) => out.push_str(if *b { "Set" } else { "Not set" }),
            Value::Ipv4(a) => write_ipv4(out, a),
            Value::Ipv6(a) => {
                let _ = write!(out, "{}", Ipv6Addr::from(*a));
            }
            Value::Mac(m) => push_hex_colon(out, m),
            Value::Bytes(b) => push_hex_colon(out, b),
            Value::Str(s) => out.push_str(s),
            Value::Static(s) => out.push_str(s),
            Value::Time { ns, digits } => super::write_seconds(out, *ns, *digits),
        }
    }

    /// Text used where a plain string is wanted (JSON for addresses/bytes, filters).
    pub fn to_plain(&self) -> String {
        match self {
            Value::Bool(b) => b.to_string(),
            other => other.format(Base::Dec),
        }
    }
}

/// `aa:bb:cc:dd:ee:ff`
pub fn format_mac(m: &[u8; 6]) -> String {
    hex_colon(m)
}

/// Bytes as colon-separated hex, the way tshark prints byte fields.
pub fn hex_colon(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 3);
    push_hex_colon(&mut s, b);
    s
}

/// Append `0x` and `v` in lower-case hex, zero-padded to `width` digits (what
/// `format!("0x{v:0width$x}")` gives, without the formatting machinery: it runs for every hex
/// field shown).
pub fn push_hex(out: &mut String, v: u64, width: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digits = (64 - v.leading_zeros() as usize).div_ceil(4).max(1);
    out.push_str("0x");
    for _ in digits..width {
        out.push('0');
    }
    for i in (0..digits).rev() {
        out.push(HEX[((v >> (i * 4)) & 15) as usize] as char);
    }
}

/// Append bytes as colon-separated hex.
pub fn push_hex_colon(out: &mut String, b: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(b.len() * 3);
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push(HEX[usize::from(x >> 4)] as char);
        out.push(HEX[usize::from(x & 15)] as char);
    }
}

/// Append a dotted-quad IPv4 address.
pub fn write_ipv4(out: &mut String, a: &[u8; 4]) {
    // Digit by digit: every address column and field goes through here.
    out.reserve(15);
    for (i, &x) in a.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        if x >= 100 {
            out.push(char::from(b'0' + x / 100));
        }
        if x >= 10 {
            out.push(char::from(b'0' + x / 10 % 10));
        }
        out.push(char::from(b'0' + x % 10));
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::None => s.serialize_none(),
            Value::U64(v) => s.serialize_u64(*v),
            Value::I64(v) => s.serialize_i64(*v),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Str(v) => s.serialize_str(v),
            Value::Static(v) => s.serialize_str(v),
            Value::Time { ns, digits } => {
                match serde_json::value::RawValue::from_string(super::format_seconds(*ns, *digits))
                {
                    Ok(raw) => raw.serialize(s),
                    Err(_) => s.serialize_f64(*ns as f64 / 1e9),
                }
            }
            other => s.serialize_str(&other.format(Base::None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(Value::U64(0x800).format(Base::Hex(4)), "0x0800");
        assert_eq!(Value::U64(64).format(Base::Dec), "64");
        assert_eq!(
            Value::Mac([0, 1, 2, 0xa, 0xb, 0xff]).format(Base::None),
            "00:01:02:0a:0b:ff"
        );
        assert_eq!(Value::Ipv4([127, 0, 0, 1]).format(Base::None), "127.0.0.1");
        assert_eq!(Value::Bool(true).to_plain(), "true");
    }

    proptest::proptest! {
        /// Dotted quads as the standard library writes them.
        #[test]
        fn ipv4_as_std_writes_it(a: [u8; 4]) {
            let mut s = String::new();
            write_ipv4(&mut s, &a);
            proptest::prop_assert_eq!(s, std::net::Ipv4Addr::from(a).to_string());
        }

        /// The hand-written hex equals the formatter's for every value and width.
        #[test]
        fn hex_as_format_writes_it(v: u64, width in 0usize..20) {
            let mut s = String::new();
            push_hex(&mut s, v, width);
            proptest::prop_assert_eq!(s, format!("0x{v:0width$x}"));
        }
    }
}
