//! Shell arithmetic: `$(( ))`, `(( ))`, `${x:off:len}`. 64-bit wrapping integers, C
//! operator precedence, variables by name, `=`, `+=`, `++`, `--`.

/// Variables arithmetic can read and assign.
pub trait ArithVars {
    /// The value of a variable, if set.
    fn get_var(&self, name: &str) -> Option<String>;
    /// Assigns a variable.
    fn set_var(&mut self, name: &str, value: i64);
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(i64),
    Name(String),
    Op(&'static str),
}

const OPS: &[&str] = &[
    "<<=", ">>=", "**", "++", "--", "<=", ">=", "==", "!=", "&&", "||", "<<", ">>", "+=", "-=",
    "*=", "/=", "%=", "&=", "|=", "^=", "+", "-", "*", "/", "%", "<", ">", "=", "!", "~", "&", "|",
    "^", "?", ":", "(", ")", ",",
];

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '#') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            out.push(Tok::Num(parse_number(&text)?));
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Name(chars[start..i].iter().collect()));
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
        match OPS.iter().find(|op| rest.starts_with(**op)) {
            Some(op) => {
                out.push(Tok::Op(op));
                i += op.len();
            }
            None => {
                let tail: String = chars[i..].iter().collect();
                return Err(format!(
                    "syntax error: invalid arithmetic operator (error token is \"{tail}\")"
                ));
            }
        }
    }
    Ok(out)
}

fn parse_number(text: &str) -> Result<i64, String> {
    let bad = || format!("{text}: value too great for base (error token is \"{text}\")");
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return i64::from_str_radix(hex, 16).map_err(|_| bad());
    }
    if let Some((base, digits)) = text.split_once('#') {
        let b: u32 = base.parse().map_err(|_| bad())?;
        if !(2..=36).contains(&b) {
            return Err(format!(
                "{text}: invalid arithmetic base (error token is \"{text}\")"
            ));
        }
        return i64::from_str_radix(digits, b).map_err(|_| bad());
    }
    if text.len() > 1 && text.starts_with('0') {
        return i64::from_str_radix(&text[1..], 8).map_err(|_| bad());
    }
    text.parse::<i64>().map_err(|_| bad())
}

struct Eval<'a> {
    toks: Vec<Tok>,
    pos: usize,
    vars: &'a mut dyn ArithVars,
    depth: usize,
}

/// Evaluates `expr`. The error is bash's message without the `bash: ` prefix.
pub fn eval(expr: &str, vars: &mut dyn ArithVars) -> Result<i64, String> {
    let toks = tokenize(expr).map_err(|e| format!("{}: {e}", expr.trim()))?;
    if toks.is_empty() {
        return Ok(0);
    }
    let mut e = Eval {
        toks,
        pos: 0,
        vars,
        depth: 0,
    };
    let v = e.comma(true).map_err(|m| format!("{}: {m}", expr.trim()))?;
    if e.pos < e.toks.len() {
        let rest = e.rest_text();
        return Err(format!(
            "{}: syntax error in expression (error token is \"{rest}\")",
            expr.trim()
        ));
    }
    Ok(v)
}

impl Eval<'_> {
    fn rest_text(&self) -> String {
        self.toks[self.pos..]
            .iter()
            .map(|t| match t {
                Tok::Num(n) => n.to_string(),
                Tok::Name(n) => n.clone(),
                Tok::Op(o) => o.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
    fn peek_op(&self) -> Option<&'static str> {
        match self.toks.get(self.pos) {
            Some(Tok::Op(o)) => Some(o),
            _ => None,
        }
    }
    fn eat(&mut self, op: &str) -> bool {
        if self.peek_op() == Some(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn comma(&mut self, live: bool) -> Result<i64, String> {
        let mut v = self.assign(live)?;
        while self.eat(",") {
            v = self.assign(live)?;
        }
        Ok(v)
    }

    fn assign(&mut self, live: bool) -> Result<i64, String> {
        if let (Some(Tok::Name(name)), Some(Tok::Op(op))) = (
            self.toks.get(self.pos).cloned(),
            self.toks.get(self.pos + 1).cloned(),
        ) {
            if matches!(
                op,
                "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "<<=" | ">>=" | "&=" | "|=" | "^="
            ) {
                self.pos += 2;
                let rhs = self.assign(live)?;
                let old = self.var(&name)?;
                let v = if op == "=" {
                    rhs
                } else {
                    binop(&op[..op.len() - 1], old, rhs, &self.rest_text())?
                };
                if live {
                    self.vars.set_var(&name, v);
                }
                return Ok(v);
            }
        }
        self.ternary(live)
    }

    fn ternary(&mut self, live: bool) -> Result<i64, String> {
        let c = self.binary(0, live)?;
        if self.eat("?") {
            let a = self.assign(live && c != 0)?;
            if !self.eat(":") {
                return Err("syntax error in expression (error token is \":\")".into());
            }
            let b = self.assign(live && c == 0)?;
            return Ok(if c != 0 { a } else { b });
        }
        Ok(c)
    }

    fn binary(&mut self, min_prec: u8, live: bool) -> Result<i64, String> {
        let mut lhs = self.unary(live)?;
        while let Some(op) = self.peek_op() {
            let Some(prec) = precedence(op) else { break };
            if prec < min_prec {
                break;
            }
            self.pos += 1;
            if op == "&&" || op == "||" {
                let short = if op == "&&" { lhs == 0 } else { lhs != 0 };
                let rhs = self.binary(prec + 1, live && !short)?;
                lhs = if op == "&&" {
                    (lhs != 0 && rhs != 0) as i64
                } else {
                    (lhs != 0 || rhs != 0) as i64
                };
                continue;
            }
            let next = if op == "**" { prec } else { prec + 1 };
            let rhs = self.binary(next, live)?;
            lhs = if live {
                binop(op, lhs, rhs, &rhs.to_string())?
            } else {
                0
            };
        }
        Ok(lhs)
    }

    fn unary(&mut self, live: bool) -> Result<i64, String> {
        self.depth += 1;
        if self.depth > 200 {
            return Err("expression recursion level exceeded".into());
        }
        let r = self.unary_inner(live);
        self.depth -= 1;
        r
    }

    fn unary_inner(&mut self, live: bool) -> Result<i64, String> {
        match self.toks.get(self.pos).cloned() {
            Some(Tok::Op("-")) => {
                self.pos += 1;
                Ok(self.unary(live)?.wrapping_neg())
            }
            Some(Tok::Op("+")) => {
                self.pos += 1;
                self.unary(live)
            }
            Some(Tok::Op("!")) => {
                self.pos += 1;
                Ok((self.unary(live)? == 0) as i64)
            }
            Some(Tok::Op("~")) => {
                self.pos += 1;
                Ok(!self.unary(live)?)
            }
            Some(Tok::Op(op @ ("++" | "--"))) => {
                self.pos += 1;
                let Some(Tok::Name(name)) = self.toks.get(self.pos).cloned() else {
                    return Err(format!(
                        "syntax error: operand expected (error token is \"{op}\")"
                    ));
                };
                self.pos += 1;
                let v = self.var(&name)? + if op == "++" { 1 } else { -1 };
                if live {
                    self.vars.set_var(&name, v);
                }
                Ok(v)
            }
            Some(Tok::Op("(")) => {
                self.pos += 1;
                let v = self.comma(live)?;
                if !self.eat(")") {
                    return Err("missing `)' (error token is \"\")".into());
                }
                Ok(v)
            }
            Some(Tok::Num(n)) => {
                self.pos += 1;
                Ok(n)
            }
            Some(Tok::Name(name)) => {
                self.pos += 1;
                let v = self.var(&name)?;
                if let Some(op @ ("++" | "--")) = self.peek_op() {
                    self.pos += 1;
                    if live {
                        self.vars
                            .set_var(&name, v + if op == "++" { 1 } else { -1 });
                    }
                }
                Ok(v)
            }
            Some(Tok::Op(op)) => Err(format!(
                "syntax error: operand expected (error token is \"{op}\")"
            )),
            None => Err("syntax error: operand expected (error token is \"\")".into()),
        }
    }

    fn var(&mut self, name: &str) -> Result<i64, String> {
        let value = self.vars.get_var(name).unwrap_or_default();
        let t = value.trim();
        if t.is_empty() {
            return Ok(0);
        }
        if let Ok(n) = t.parse::<i64>() {
            return Ok(n);
        }
        if self.depth > 50 {
            return Err("expression recursion level exceeded".into());
        }
        // A variable holding an expression is evaluated in turn, as bash does.
        let toks = tokenize(t)?;
        let saved = (std::mem::replace(&mut self.toks, toks), self.pos);
        self.pos = 0;
        self.depth += 10;
        let r = self.comma(true);
        self.depth -= 10;
        self.toks = saved.0;
        self.pos = saved.1;
        r
    }
}

fn precedence(op: &str) -> Option<u8> {
    Some(match op {
        "||" => 1,
        "&&" => 2,
        "|" => 3,
        "^" => 4,
        "&" => 5,
        "==" | "!=" => 6,
        "<" | ">" | "<=" | ">=" => 7,
        "<<" | ">>" => 8,
        "+" | "-" => 9,
        "*" | "/" | "%" => 10,
        "**" => 11,
        _ => return None,
    })
}

fn binop(op: &str, a: i64, b: i64, token: &str) -> Result<i64, String> {
    Ok(match op {
        "+" => a.wrapping_add(b),
        "-" => a.wrapping_sub(b),
        "*" => a.wrapping_mul(b),
        "/" | "%" if b == 0 => return Err(format!("division by 0 (error token is \"{token}\")")),
        "/" => a.wrapping_div(b),
        "%" => a.wrapping_rem(b),
        "**" if b < 0 => return Err(format!("exponent less than 0 (error token is \"{token}\")")),
        "**" => a.wrapping_pow(b.min(u32::MAX as i64) as u32),
        "<<" => a.wrapping_shl(b as u32),
        ">>" => a.wrapping_shr(b as u32),
        "&" => a & b,
        "|" => a | b,
        "^" => a ^ b,
        "==" => (a == b) as i64,
        "!=" => (a != b) as i64,
        "<" => (a < b) as i64,
        ">" => (a > b) as i64,
        "<=" => (a <= b) as i64,
        ">=" => (a >= b) as i64,
        _ => {
            return Err(format!(
                "syntax error in expression (error token is \"{op}\")"
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct V(BTreeMap<String, String>);
    impl ArithVars for V {
        fn get_var(&self, n: &str) -> Option<String> {
            self.0.get(n).cloned()
        }
        fn set_var(&mut self, n: &str, v: i64) {
            self.0.insert(n.into(), v.to_string());
        }
    }

    #[test]
    fn precedence_vars_and_errors() {
        let mut v = V(BTreeMap::new());
        assert_eq!(eval("1 + 2 * 3", &mut v), Ok(7));
        assert_eq!(eval("(1 + 2) * 3 % 4", &mut v), Ok(1));
        assert_eq!(eval("i = 5, i++, i", &mut v), Ok(6));
        assert_eq!(eval("i > 3 && i <= 6", &mut v), Ok(1));
        assert_eq!(eval("2 ** 10", &mut v), Ok(1024));
        assert_eq!(eval("0x10 + 010", &mut v), Ok(24));
        assert_eq!(eval("1 ? 2 : 3", &mut v), Ok(2));
        assert!(eval("1 / 0", &mut v).unwrap_err().contains("division by 0"));
        assert!(eval("1 +", &mut v).is_err());
        v.0.insert("a".into(), "a".into());
        assert!(eval("a", &mut v).is_err());
    }
}
