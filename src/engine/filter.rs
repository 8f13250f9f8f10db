//! Display filters: a subset of Wireshark's syntax, so students learn the real thing.
//!
//! Supported: protocol names (`websocket`, `tcp`, `dns`), field presence (`tcp.flags.syn`),
//! comparisons `== != < > <= >=` and `contains` against numbers, quoted strings, addresses and
//! bare words, the aliases `tcp.port`, `udp.port`, `ip.addr`, `ipv6.addr`, `eth.addr` (either
//! side), `&&`/`and`, `||`/`or`, `!`/`not`, and parentheses. A bad filter gives an error naming
//! the position and what was expected.

use crate::model::{Packet, Value};

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// A protocol or field name alone: present in the packet.
    Has(String),
    Cmp(String, Op, Literal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Contains,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Num(f64),
    Text(String),
}

/// A filter that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("filter error at character {position}: {message}")]
pub struct FilterError {
    pub position: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Op(Op),
    Word(String),
    Str(String),
}

fn lex(s: &str) -> Result<Vec<(usize, Tok)>, FilterError> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let err = |position, message: &str| FilterError {
        position,
        message: message.to_string(),
    };
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b' ' | b'\t' => {
                i += 1;
                continue;
            }
            b'(' => {
                out.push((start, Tok::LParen));
                i += 1;
            }
            b')' => {
                out.push((start, Tok::RParen));
                i += 1;
            }
            b'&' if b.get(i + 1) == Some(&b'&') => {
                out.push((start, Tok::And));
                i += 2;
            }
            b'|' if b.get(i + 1) == Some(&b'|') => {
                out.push((start, Tok::Or));
                i += 2;
            }
            b'!' if b.get(i + 1) == Some(&b'=') => {
                out.push((start, Tok::Op(Op::Ne)));
                i += 2;
            }
            b'!' => {
                out.push((start, Tok::Not));
                i += 1;
            }
            b'=' if b.get(i + 1) == Some(&b'=') => {
                out.push((start, Tok::Op(Op::Eq)));
                i += 2;
            }
            b'<' | b'>' => {
                let eq = b.get(i + 1) == Some(&b'=');
                let op = match (c, eq) {
                    (b'<', true) => Op::Le,
                    (b'<', false) => Op::Lt,
                    (_, true) => Op::Ge,
                    _ => Op::Gt,
                };
                out.push((start, Tok::Op(op)));
                i += if eq { 2 } else { 1 };
            }
            b'"' => {
                i += 1;
                let mut text = String::new();
                loop {
                    match b.get(i) {
                        None => {
                            return Err(err(start, "a quoted string is not closed (missing \")"))
                        }
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') if i + 1 < b.len() => {
                            text.push(b[i + 1] as char);
                            i += 2;
                        }
                        Some(_) => {
                            let ch = s[i..].chars().next().unwrap_or(' ');
                            text.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                out.push((start, Tok::Str(text)));
            }
            c if c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b':' | b'-' | b'/') => {
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || matches!(b[i], b'.' | b'_' | b':' | b'-' | b'/'))
                {
                    i += 1;
                }
                let w = &s[start..i];
                out.push((
                    start,
                    match w {
                        "and" => Tok::And,
                        "or" => Tok::Or,
                        "not" => Tok::Not,
                        "contains" => Tok::Op(Op::Contains),
                        "eq" => Tok::Op(Op::Eq),
                        "ne" => Tok::Op(Op::Ne),
                        "lt" => Tok::Op(Op::Lt),
                        "gt" => Tok::Op(Op::Gt),
                        "le" => Tok::Op(Op::Le),
                        "ge" => Tok::Op(Op::Ge),
                        _ => Tok::Word(w.to_string()),
                    },
                ));
            }
            _ => {
                return Err(err(
                    start,
                    &format!(
                        "unexpected character '{}'",
                        s[start..].chars().next().unwrap_or('?')
                    ),
                ))
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    len: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.1)
    }
    fn here(&self) -> usize {
        self.toks.get(self.pos).map_or(self.len, |t| t.0)
    }
    fn err(&self, m: &str) -> FilterError {
        FilterError {
            position: self.here(),
            message: m.to_string(),
        }
    }
    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut l = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            let r = self.and()?;
            l = Filter::Or(Box::new(l), Box::new(r));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut l = self.not()?;
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            let r = self.not()?;
            l = Filter::And(Box::new(l), Box::new(r));
        }
        Ok(l)
    }
    fn not(&mut self) -> Result<Filter, FilterError> {
        if self.peek() == Some(&Tok::Not) {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.not()?)));
        }
        self.primary()
    }
    fn primary(&mut self) -> Result<Filter, FilterError> {
        match self.peek().cloned() {
            Some(Tok::LParen) => {
                self.pos += 1;
                let f = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(self.err("expected ')'"));
                }
                self.pos += 1;
                Ok(f)
            }
            Some(Tok::Word(w)) => {
                if !w.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
                    return Err(
                        self.err("expected a field or protocol name (like tcp.port or websocket)")
                    );
                }
                self.pos += 1;
                if let Some(Tok::Op(op)) = self.peek().cloned() {
                    self.pos += 1;
                    let lit = match self.peek().cloned() {
                        Some(Tok::Str(s)) => Literal::Text(s),
                        Some(Tok::Word(v)) => match v.parse::<f64>() {
                            Ok(n) if !v.contains(':') => Literal::Num(n),
                            _ => match v.strip_prefix("0x").and_then(|h| u64::from_str_radix(h, 16).ok()) {
                                Some(n) => Literal::Num(n as f64),
                                None => Literal::Text(v),
                            },
                        },
                        _ => return Err(self.err("expected a value after the comparison (a number, an address or \"text\")")),
                    };
                    self.pos += 1;
                    Ok(Filter::Cmp(w, op, lit))
                } else {
                    Ok(Filter::Has(w))
                }
            }
            Some(_) => Err(self.err("expected a field, a protocol, '!' or '('")),
            None => Err(self.err("the filter ends too early")),
        }
    }
}

/// Parse a display filter.
pub fn parse(s: &str) -> Result<Filter, FilterError> {
    let toks = lex(s)?;
    if toks.is_empty() {
        return Err(FilterError {
            position: 0,
            message: "the filter is empty".into(),
        });
    }
    let mut p = Parser {
        toks,
        pos: 0,
        len: s.len(),
    };
    let f = p.or()?;
    if p.pos < p.toks.len() {
        return Err(p.err("unexpected text after a complete filter (use && or ||)"));
    }
    Ok(f)
}

fn aliases(name: &str) -> Vec<&str> {
    match name {
        "tcp.port" => vec!["tcp.srcport", "tcp.dstport"],
        "udp.port" => vec!["udp.srcport", "udp.dstport"],
        "ip.addr" => vec!["ip.src", "ip.dst"],
        "ipv6.addr" => vec!["ipv6.src", "ipv6.dst"],
        "eth.addr" => vec!["eth.src", "eth.dst"],
        other => vec![other],
    }
}

fn value_matches(v: &Value, display: &str, op: Op, lit: &Literal) -> bool {
    let num = match v {
        Value::U64(x) => Some(*x as f64),
        Value::I64(x) => Some(*x as f64),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    };
    let text = match v {
        Value::Str(s) => s.to_string(),
        Value::Static(s) => s.to_string(),
        Value::None => display.to_string(),
        other => other.to_plain(),
    };
    match (op, lit, num) {
        (Op::Contains, Literal::Text(t), _) => {
            text.contains(t.as_str()) || display.contains(t.as_str())
        }
        (Op::Contains, Literal::Num(n), _) => text.contains(&n.to_string()),
        (_, Literal::Num(n), Some(x)) => cmp(op, x.partial_cmp(n)),
        (_, Literal::Text(t), Some(x)) if t == "true" || t == "false" => {
            cmp(op, x.partial_cmp(&f64::from(u8::from(t == "true"))))
        }
        (_, Literal::Text(t), _) => cmp(op, Some(text.as_str().cmp(t.as_str()))),
        (_, Literal::Num(n), None) => cmp(op, Some(text.as_str().cmp(n.to_string().as_str()))),
    }
}

fn cmp(op: Op, o: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering::*;
    match (op, o) {
        (_, None) => false,
        (Op::Eq, Some(x)) => x == Equal,
        (Op::Ne, Some(x)) => x != Equal,
        (Op::Lt, Some(x)) => x == Less,
        (Op::Gt, Some(x)) => x == Greater,
        (Op::Le, Some(x)) => x != Greater,
        (Op::Ge, Some(x)) => x != Less,
        (Op::Contains, _) => false,
    }
}

impl Filter {
    /// Does a fully decoded packet match?
    pub fn matches(&self, p: &Packet) -> bool {
        match self {
            Filter::Or(a, b) => a.matches(p) || b.matches(p),
            Filter::And(a, b) => a.matches(p) && b.matches(p),
            Filter::Not(a) => !a.matches(p),
            Filter::Has(name) => {
                p.layers.iter().any(|l| l.protocol.filter_name() == name)
                    || aliases(name)
                        .iter()
                        .any(|n| p.fields_named(n).next().is_some())
            }
            Filter::Cmp(name, op, lit) => {
                let names = aliases(name);
                let any = |f: &crate::model::Field| value_matches(&f.value, &f.display(), *op, lit);
                if *op == Op::Ne {
                    // Wireshark: `a != b` is "no occurrence equals b" for aliases like ip.addr.
                    let eq_any = names
                        .iter()
                        .flat_map(|n| p.fields_named(n))
                        .any(|f| value_matches(&f.value, &f.display(), Op::Eq, lit));
                    let present = names.iter().any(|n| p.fields_named(n).next().is_some());
                    return present && !eq_any;
                }
                names.iter().flat_map(|n| p.fields_named(n)).any(any)
            }
        }
    }

    /// Whether this filter only asks about protocols (then a list-row decode is enough).
    pub fn protocols_only(&self) -> bool {
        match self {
            Filter::Or(a, b) | Filter::And(a, b) => a.protocols_only() && b.protocols_only(),
            Filter::Not(a) => a.protocols_only(),
            Filter::Has(n) => !n.contains('.'),
            Filter::Cmp(..) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_examples() {
        for f in [
            "tcp.port == 8080",
            "websocket",
            "ip.addr == 127.0.0.1",
            "socketio.event == \"chat message\"",
            "tcp && !(udp || dns)",
            "not tcp.flags.syn and http.request.method == GET",
            "frame.len >= 100",
        ] {
            assert!(parse(f).is_ok(), "{f}");
        }
    }

    #[test]
    fn bad_syntax_says_where() {
        let e = parse("tcp.port == ").unwrap_err();
        assert_eq!(e.position, 12);
        assert!(e.message.contains("expected a value"));
        assert!(parse("(tcp").unwrap_err().message.contains("')'"));
        assert!(parse("tcp udp")
            .unwrap_err()
            .message
            .contains("unexpected text"));
        assert!(parse("\"open").unwrap_err().message.contains("not closed"));
        assert!(parse("").is_err());
    }
}
