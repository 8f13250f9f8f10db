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

#[cfg(test)]
mod tests {
    use super::*;

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
