//! Small helpers for teaching text: counts with the right singular or plural.
//!
//! Why a type and not `format!("{n} bytes")`: a student reads "1 bytes" as a mistake of the
//! tool, and every sentence template that prints a count would otherwise repeat the same
//! `if n == 1` test. [`Count`] implements `Display`, so it drops into `format!`/`write!`
//! without allocating.

use std::fmt;

/// A number with its noun, singular or plural as the number needs: `1 byte`, `2 bytes`,
/// `0 bytes`.
#[derive(Debug, Clone, Copy)]
pub struct Count<'a> {
    n: u64,
    one: &'a str,
    many: Option<&'a str>,
}

/// Numbers that can be counted (so call sites need no casts).
pub trait Countable {
    fn to_count(self) -> u64;
}

macro_rules! countable {
    ($($t:ty),*) => {$(
        impl Countable for $t {
            #[inline]
            fn to_count(self) -> u64 {
                self as u64
            }
        }
    )*};
}
countable!(u8, u16, u32, u64, usize);

/// `count(3, "byte")` shows "3 bytes"; regular plurals add an "s".
pub fn count<'a>(n: impl Countable, one: &'a str) -> Count<'a> {
    Count {
        n: n.to_count(),
        one,
        many: None,
    }
}

/// `count_irregular(2, "entry", "entries")` shows "2 entries".
pub fn count_irregular<'a>(n: impl Countable, one: &'a str, many: &'a str) -> Count<'a> {
    Count {
        n: n.to_count(),
        one,
        many: Some(many),
    }
}

/// The noun alone, singular or plural for `n` ("byte" / "bytes").
pub fn noun(n: impl Countable, one: &str) -> Noun<'_> {
    Noun {
        plural: n.to_count() != 1,
        one,
    }
}

/// See [`noun`].
#[derive(Debug, Clone, Copy)]
pub struct Noun<'a> {
    plural: bool,
    one: &'a str,
}

impl fmt::Display for Noun<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.one)?;
        if self.plural {
            f.write_str("s")?;
        }
        Ok(())
    }
}

impl Count<'_> {
    /// Append "3 bytes" to `out` without the formatting machinery (field texts written for
    /// every packet of a jsonl run use this).
    pub fn push_to(&self, out: &mut String) {
        let mut buf = itoa::Buffer::new();
        out.push_str(buf.format(self.n));
        out.push(' ');
        match (self.n == 1, self.many) {
            (true, _) => out.push_str(self.one),
            (false, Some(many)) => out.push_str(many),
            (false, None) => {
                out.push_str(self.one);
                out.push('s');
            }
        }
    }
}

impl fmt::Display for Count<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = itoa::Buffer::new();
        f.write_str(buf.format(self.n))?;
        f.write_str(" ")?;
        match (self.n == 1, self.many) {
            (true, _) => f.write_str(self.one),
            (false, Some(many)) => f.write_str(many),
            (false, None) => {
                f.write_str(self.one)?;
                f.write_str("s")
            }
        }
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub fn prefix(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Whether a character must not reach a terminal or a label as itself: C0 controls (ESC,
/// BEL, CR, LF, TAB...), DEL, C1 controls and the Unicode direction controls, which can
/// reorder the text around them ("Trojan Source"). Wireshark escapes the same set in its
/// display strings.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether `s` may hold an [`is_unsafe`] character: a byte scan the compiler vectorises (every
/// such character's UTF-8 starts with a byte below 0x20, 0x7f, 0xc2, 0xd8 or 0xe2), so the
/// usual text costs a few nanoseconds, not a character decode.
fn maybe_unsafe(s: &str) -> bool {
    s.bytes().fold(false, |a, b| {
        a | (b < 0x20) | (b == 0x7f) | (b == 0xc2) | (b == 0xd8) | (b == 0xe2)
    })
}

/// Append `c` escaped: `\n`, `\r`, `\t`; `\x1b` for other C0 controls and DEL; `\u{202e}`
/// for the rest.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{0}'..='\u{7f}' => {
            let b = c as u8;
            out.push_str("\\x");
            out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
        }
        _ => {
            let _ = fmt::Write::write_fmt(out, format_args!("\\u{{{:x}}}", c as u32));
        }
    }
}

/// `s` with every [`is_unsafe`] character shown as an escape (`\x1b`, `\n`, `\u{202e}`): what
/// packet-derived text becomes before it is put in a summary, a sentence, a field's text or
/// a terminal line. Borrows when there is nothing to escape (the usual case).
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    if !maybe_unsafe(s) {
        return std::borrow::Cow::Borrowed(s);
    }
    let Some(first) = s.find(is_unsafe) else {
        return std::borrow::Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if is_unsafe(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Append `s` to `out` escaped as [`escape`] does.
pub fn push_escape(out: &mut String, s: &str) {
    if !maybe_unsafe(s) {
        out.push_str(s);
        return;
    }
    match s.find(is_unsafe) {
        None => out.push_str(s),
        Some(first) => {
            out.push_str(&s[..first]);
            for c in s[first..].chars() {
                if is_unsafe(c) {
                    push_escaped(out, c);
                } else {
                    out.push(c);
                }
            }
        }
    }
}

/// Like [`escape`], for text shown over several lines (a followed stream, a message body):
/// line feeds, tabs and the CR of a CRLF stay as they are; every other unsafe character is
/// escaped.
pub fn escape_multiline(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |(i, c): &(usize, char)| {
        is_unsafe(*c)
            && *c != '\n'
            && *c != '\t'
            && !(*c == '\r' && s.as_bytes().get(i + 1) == Some(&b'\n'))
    };
    let Some((first, _)) = s.char_indices().find(|x| bad(x)) else {
        return std::borrow::Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for (i, c) in s[first..].char_indices() {
        if bad(&(first + i, c)) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_would_obey() {
        assert_eq!(escape("chat"), "chat");
        assert!(matches!(escape("chat"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(
            escape("\u{1b}]0;PWNED\u{7}\u{1b}[2J"),
            "\\x1b]0;PWNED\\x07\\x1b[2J"
        );
        assert_eq!(escape("a\nb\tc\r"), "a\\nb\\tc\\r");
        assert_eq!(escape("x\u{7f}\u{9b}y"), "x\\x7f\\u{9b}y");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(escape("héllo ✓"), "héllo ✓");
        assert_eq!(
            escape_multiline("GET / HTTP/1.1\r\nHost: x\r\n\u{1b}[2J\rnext\n"),
            "GET / HTTP/1.1\r\nHost: x\r\n\\x1b[2J\\rnext\n"
        );
        let mut s = String::new();
        push_escape(&mut s, "ok\u{7}");
        assert_eq!(s, "ok\\x07");
        assert_eq!(prefix("héllo", 2), "h");
        assert_eq!(prefix("héllo", 3), "hé");
    }

    #[test]
    fn singular_and_plural() {
        assert_eq!(count(1usize, "byte").to_string(), "1 byte");
        assert_eq!(count(0u64, "byte").to_string(), "0 bytes");
        assert_eq!(count(28u32, "byte").to_string(), "28 bytes");
        assert_eq!(
            count_irregular(1u8, "entry", "entries").to_string(),
            "1 entry"
        );
        assert_eq!(
            count_irregular(3u16, "entry", "entries").to_string(),
            "3 entries"
        );
        assert_eq!(format!("{} {}", 1, noun(1usize, "packet")), "1 packet");
        assert_eq!(format!("{} {}", 2, noun(2usize, "packet")), "2 packets");
        for (n, want) in [(1u64, "1 byte"), (7, "7 bytes")] {
            let mut s = String::new();
            count(n, "byte").push_to(&mut s);
            assert_eq!(s, want);
        }
    }
}
