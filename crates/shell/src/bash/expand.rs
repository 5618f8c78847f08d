//! Word expansion: tilde, parameters, command substitution, arithmetic, field splitting and
//! pathname expansion (globbing against the virtual filesystem), in bash's order.

use super::arith::{self, ArithVars};
use super::ast::*;
use super::interp::{Ctl, Ctx, Res, Shell};
use super::pattern::{self, PatChar};
use super::vfs::Vfs;
use crate::output::Output;

/// A field being built: characters marked quoted (never globbed) or not.
#[derive(Default)]
struct Fields {
    done: Vec<Vec<PatChar>>,
    cur: Vec<PatChar>,
    /// The current field exists even if empty (it had quotes).
    cur_exists: bool,
}

impl Fields {
    fn push_quoted(&mut self, s: &str) {
        self.cur_exists = true;
        self.cur
            .extend(s.chars().map(|c| PatChar { c, literal: true }));
    }
    fn push_lit(&mut self, s: &str) {
        self.cur
            .extend(s.chars().map(|c| PatChar { c, literal: false }));
    }
    /// Unquoted expansion result: split on blanks and newlines.
    fn push_split(&mut self, s: &str) {
        for c in s.chars() {
            if matches!(c, ' ' | '\t' | '\n') {
                self.end_field();
            } else {
                self.cur.push(PatChar { c, literal: false });
            }
        }
    }
    fn end_field(&mut self) {
        if !self.cur.is_empty() || self.cur_exists {
            self.done.push(std::mem::take(&mut self.cur));
        }
        self.cur_exists = false;
    }
}

impl ArithVars for Shell {
    fn get_var(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }
    fn set_var(&mut self, name: &str, value: i64) {
        self.vars.insert(name.to_string(), value.to_string());
    }
}

impl Shell {
    /// Expands words into the fields of a command line (split and globbed).
    pub(crate) fn expand_words(
        &mut self,
        cx: &mut Ctx,
        words: &[Word],
        out: &mut Output,
    ) -> Result<Vec<String>, Ctl> {
        let mut result = Vec::new();
        for w in words {
            let mut f = Fields::default();
            self.expand_parts(cx, &w.0, false, &mut f, out)?;
            f.end_field();
            for field in f.done {
                if pattern::has_wildcards(&field) {
                    let matches = glob(cx.vfs, &self.cwd, &field);
                    if !matches.is_empty() {
                        result.extend(matches);
                        continue;
                    }
                }
                result.push(field.iter().map(|p| p.c).collect());
            }
        }
        Ok(result)
    }

    /// Expands a word to one string: no splitting, no globbing (assignments, heredocs, `case`).
    pub(crate) fn expand_word_string(
        &mut self,
        cx: &mut Ctx,
        w: &Word,
        out: &mut Output,
    ) -> Result<String, Ctl> {
        Ok(self
            .expand_word_pattern(cx, w, out)?
            .iter()
            .map(|p| p.c)
            .collect())
    }

    /// Expands a word to a pattern whose quoted characters are literal (`case`, `[[ == ]]`).
    pub(crate) fn expand_word_pattern(
        &mut self,
        cx: &mut Ctx,
        w: &Word,
        out: &mut Output,
    ) -> Result<Vec<PatChar>, Ctl> {
        let mut f = Fields::default();
        self.expand_parts(cx, &w.0, true, &mut f, out)?;
        let mut all: Vec<PatChar> = Vec::new();
        for d in f.done {
            all.extend(d);
        }
        all.extend(f.cur);
        Ok(all)
    }

    fn expand_parts(
        &mut self,
        cx: &mut Ctx,
        parts: &[Part],
        no_split: bool,
        f: &mut Fields,
        out: &mut Output,
    ) -> Result<(), Ctl> {
        for p in parts {
            match p {
                Part::Lit(s) => f.push_lit(s),
                Part::Quoted(s) => f.push_quoted(s),
                Part::Tilde => {
                    let home = self
                        .vars
                        .get("HOME")
                        .cloned()
                        .unwrap_or_else(|| "/root".into());
                    f.push_quoted(&home);
                }
                Part::Dq(inner) => {
                    f.cur_exists = true;
                    for ip in inner {
                        match ip {
                            Part::Param(pe) if pe.name == "@" && pe.op == ParamOp::Plain => {
                                let params = self.positional.clone();
                                for (i, v) in params.iter().enumerate() {
                                    if i > 0 {
                                        f.end_field();
                                        f.cur_exists = true;
                                    }
                                    f.push_quoted(v);
                                }
                            }
                            other => {
                                let s = self.expand_one(cx, other, out)?;
                                f.push_quoted(&s);
                            }
                        }
                    }
                }
                other => {
                    let s = self.expand_one(cx, other, out)?;
                    if no_split {
                        f.push_quoted(&s);
                    } else {
                        f.push_split(&s);
                    }
                }
            }
        }
        Ok(())
    }

    /// The text of one expansion part (quoted context).
    fn expand_one(&mut self, cx: &mut Ctx, p: &Part, out: &mut Output) -> Result<String, Ctl> {
        match p {
            Part::Lit(s) | Part::Quoted(s) => Ok(s.clone()),
            Part::Tilde => Ok(self.vars.get("HOME").cloned().unwrap_or_default()),
            Part::Dq(inner) => {
                let mut s = String::new();
                for ip in inner {
                    s.push_str(&self.expand_one(cx, ip, out)?);
                }
                Ok(s)
            }
            Part::Param(pe) => self.expand_param(cx, pe, out),
            Part::CmdSub(list) => self.command_subst(cx, list, out),
            Part::Arith(w) => Ok(self.eval_arith(cx, w, out)?.to_string()),
        }
    }

    /// Expands and evaluates an arithmetic expression; errors abort the line (status 1).
    pub(crate) fn eval_arith(
        &mut self,
        cx: &mut Ctx,
        w: &Word,
        out: &mut Output,
    ) -> Result<i64, Ctl> {
        let text = self.expand_word_string(cx, w, out)?;
        arith::eval(&text, self).map_err(|m| {
            out.stderr(format!("bash: {m}\n"));
            Ctl::Abort(1)
        })
    }

    /// The value of a special or named parameter, `None` when unset.
    pub(crate) fn param_value(&mut self, name: &str) -> Option<String> {
        match name {
            "?" => Some(self.last_status.to_string()),
            "$" => Some("4242".into()),
            "#" => Some(self.positional.len().to_string()),
            "@" | "*" => Some(self.positional.join(" ")),
            "0" => Some("bash".into()),
            "!" => None,
            "-" => Some("himBHs".into()),
            "RANDOM" => {
                self.random = self.random.wrapping_mul(1_103_515_245).wrapping_add(12345);
                Some(((self.random >> 16) % 32768).to_string())
            }
            n if n.chars().all(|c| c.is_ascii_digit()) => {
                let i: usize = n.parse().ok()?;
                self.positional.get(i.checked_sub(1)?).cloned()
            }
            n => self.vars.get(n).cloned(),
        }
    }

    fn expand_param(&mut self, cx: &mut Ctx, pe: &Param, out: &mut Output) -> Result<String, Ctl> {
        let value = self.param_value(&pe.name);
        let unset_or_null =
            |colon: bool, v: &Option<String>| v.is_none() || (colon && v.as_deref() == Some(""));
        Ok(match &pe.op {
            ParamOp::Plain => value.unwrap_or_default(),
            ParamOp::Length => value.unwrap_or_default().chars().count().to_string(),
            ParamOp::Default { colon, word } => {
                if unset_or_null(*colon, &value) {
                    self.expand_word_string(cx, word, out)?
                } else {
                    value.unwrap_or_default()
                }
            }
            ParamOp::Assign { colon, word } => {
                if unset_or_null(*colon, &value) {
                    let v = self.expand_word_string(cx, word, out)?;
                    self.set_var(&pe.name, v.clone(), out)?;
                    v
                } else {
                    value.unwrap_or_default()
                }
            }
            ParamOp::Alt { colon, word } => {
                if unset_or_null(*colon, &value) {
                    String::new()
                } else {
                    self.expand_word_string(cx, word, out)?
                }
            }
            ParamOp::Error { colon, word } => {
                if unset_or_null(*colon, &value) {
                    let msg = self.expand_word_string(cx, word, out)?;
                    let msg = if msg.is_empty() {
                        "parameter null or not set".to_string()
                    } else {
                        msg
                    };
                    out.stderr(format!("bash: {}: {msg}\n", pe.name));
                    return Err(Ctl::Abort(1));
                }
                value.unwrap_or_default()
            }
            ParamOp::TrimPrefix { longest, pat } => {
                let v = value.unwrap_or_default();
                let p = self.expand_word_pattern(cx, pat, out)?;
                match pattern::prefix_match(&p, &v, *longest) {
                    Some(n) => v.chars().skip(n).collect(),
                    None => v,
                }
            }
            ParamOp::TrimSuffix { longest, pat } => {
                let v = value.unwrap_or_default();
                let p = self.expand_word_pattern(cx, pat, out)?;
                match pattern::suffix_match(&p, &v, *longest) {
                    Some(n) => v.chars().take(n).collect(),
                    None => v,
                }
            }
            ParamOp::Replace { all, pat, rep } => {
                let v = value.unwrap_or_default();
                let p = self.expand_word_pattern(cx, pat, out)?;
                let r = self.expand_word_string(cx, rep, out)?;
                replace(&v, &p, &r, *all)
            }
            ParamOp::Substring { offset, length } => {
                let v: Vec<char> = value.unwrap_or_default().chars().collect();
                let off = self.eval_arith(cx, offset, out)?;
                let start = if off < 0 {
                    (v.len() as i64 + off).max(0) as usize
                } else {
                    (off as usize).min(v.len())
                };
                let end = match length {
                    None => v.len(),
                    Some(l) => {
                        let l = self.eval_arith(cx, l, out)?;
                        if l < 0 {
                            let e = v.len() as i64 + l;
                            if (e as usize) < start || e < 0 {
                                out.stderr(format!("bash: {l}: substring expression < 0\n"));
                                return Err(Ctl::Abort(1));
                            }
                            e as usize
                        } else {
                            start.saturating_add(l as usize).min(v.len())
                        }
                    }
                };
                v[start..end.max(start)].iter().collect()
            }
            ParamOp::Bad => {
                out.stderr(format!("bash: {}: bad substitution\n", pe.name));
                return Err(Ctl::Abort(1));
            }
        })
    }

    /// Evaluates `[[ ... ]]`.
    pub(crate) fn eval_cond(&mut self, cx: &mut Ctx, toks: &[CondTok], out: &mut Output) -> Res {
        let mut pos = 0;
        let r = self.cond_or(cx, toks, &mut pos, out)?;
        if pos < toks.len() {
            out.stderr("bash: syntax error in conditional expression\n");
            return Ok(2);
        }
        Ok(match r {
            Some(true) => 0,
            Some(false) => 1,
            None => 2,
        })
    }

    fn cond_or(
        &mut self,
        cx: &mut Ctx,
        t: &[CondTok],
        pos: &mut usize,
        out: &mut Output,
    ) -> Result<Option<bool>, Ctl> {
        let mut v = self.cond_and(cx, t, pos, out)?;
        while t.get(*pos) == Some(&CondTok::Op("||")) {
            *pos += 1;
            let r = self.cond_and(cx, t, pos, out)?;
            v = match (v, r) {
                (Some(a), Some(b)) => Some(a || b),
                _ => None,
            };
        }
        Ok(v)
    }

    fn cond_and(
        &mut self,
        cx: &mut Ctx,
        t: &[CondTok],
        pos: &mut usize,
        out: &mut Output,
    ) -> Result<Option<bool>, Ctl> {
        let mut v = self.cond_not(cx, t, pos, out)?;
        while t.get(*pos) == Some(&CondTok::Op("&&")) {
            *pos += 1;
            let r = self.cond_not(cx, t, pos, out)?;
            v = match (v, r) {
                (Some(a), Some(b)) => Some(a && b),
                _ => None,
            };
        }
        Ok(v)
    }

    fn cond_not(
        &mut self,
        cx: &mut Ctx,
        t: &[CondTok],
        pos: &mut usize,
        out: &mut Output,
    ) -> Result<Option<bool>, Ctl> {
        match t.get(*pos) {
            Some(CondTok::Op("!")) => {
                *pos += 1;
                Ok(self.cond_not(cx, t, pos, out)?.map(|b| !b))
            }
            Some(CondTok::Op("(")) => {
                *pos += 1;
                let v = self.cond_or(cx, t, pos, out)?;
                if t.get(*pos) == Some(&CondTok::Op(")")) {
                    *pos += 1;
                    Ok(v)
                } else {
                    out.stderr("bash: syntax error in conditional expression\n");
                    Ok(None)
                }
            }
            Some(CondTok::Word(w)) => {
                let first = self.expand_word_string(cx, w, out)?;
                // Binary operator?
                if let Some(CondTok::Word(opw)) = t.get(*pos + 1) {
                    if let Some(op) = opw.as_plain().or_else(|| match opw.0.as_slice() {
                        [Part::Quoted(q)] if q == "<" || q == ">" => Some(q.clone()),
                        _ => None,
                    }) {
                        if is_binary_op(&op) {
                            let Some(CondTok::Word(rhs)) = t.get(*pos + 2) else {
                                out.stderr(format!("bash: unexpected argument to conditional binary operator `{op}'\n"));
                                return Ok(None);
                            };
                            *pos += 3;
                            return self.cond_binary(cx, &first, &op, rhs, out);
                        }
                    }
                }
                if w.as_plain()
                    .is_some_and(|p| p.starts_with('-') && p.len() == 2)
                {
                    if let Some(CondTok::Word(arg)) = t.get(*pos + 1) {
                        let a = self.expand_word_string(cx, arg, out)?;
                        *pos += 2;
                        return Ok(super::builtins::test::unary(
                            &first, &a, cx.vfs, &self.cwd, &self.vars,
                        ));
                    }
                }
                *pos += 1;
                Ok(Some(!first.is_empty()))
            }
            _ => {
                out.stderr("bash: syntax error in conditional expression\n");
                Ok(None)
            }
        }
    }

    fn cond_binary(
        &mut self,
        cx: &mut Ctx,
        lhs: &str,
        op: &str,
        rhs: &Word,
        out: &mut Output,
    ) -> Result<Option<bool>, Ctl> {
        match op {
            "==" | "=" | "!=" => {
                let pat = self.expand_word_pattern(cx, rhs, out)?;
                let m = pattern::matches(&pat, lhs);
                Ok(Some(if op == "!=" { !m } else { m }))
            }
            "=~" => {
                let re = self.expand_word_string(cx, rhs, out)?;
                match super::regex::Regex::new(&re, true, false) {
                    Ok(r) => Ok(Some(r.is_match(lhs))),
                    Err(_) => Ok(None),
                }
            }
            _ => {
                let r = self.expand_word_string(cx, rhs, out)?;
                match super::builtins::test::binary(lhs, op, &r, cx.vfs, &self.cwd) {
                    Ok(b) => Ok(Some(b)),
                    Err(m) => {
                        out.stderr(format!("bash: {m}\n"));
                        Ok(None)
                    }
                }
            }
        }
    }
}

fn is_binary_op(op: &str) -> bool {
    matches!(
        op,
        "==" | "="
            | "!="
            | "=~"
            | "<"
            | ">"
            | "-eq"
            | "-ne"
            | "-lt"
            | "-le"
            | "-gt"
            | "-ge"
            | "-nt"
            | "-ot"
            | "-ef"
    )
}

fn replace(v: &str, pat: &[PatChar], rep: &str, all: bool) -> String {
    let chars: Vec<char> = v.chars().collect();
    if pat.is_empty() || chars.len() > 20_000 {
        return v.to_string();
    }
    let mut outs = String::new();
    let mut i = 0;
    while i <= chars.len() {
        match pattern::find(pat, &chars, i) {
            Some((s, e)) if e > s => {
                outs.extend(&chars[i..s]);
                outs.push_str(rep);
                i = e;
                if !all {
                    break;
                }
            }
            _ => break,
        }
    }
    outs.extend(chars.get(i..).unwrap_or(&[]));
    outs
}

/// Pathname expansion of a pattern against the virtual filesystem; sorted matches, empty when
/// nothing matches. Hidden names match only a pattern starting with a literal `.`.
pub(crate) fn glob(vfs: &Vfs, cwd: &str, pat: &[PatChar]) -> Vec<String> {
    let absolute = pat.first().is_some_and(|p| p.c == '/');
    let comps: Vec<&[PatChar]> = pat.split(|p| p.c == '/').collect();
    let trailing_slash = comps.len() > 1 && comps.last().is_some_and(|c| c.is_empty());
    let mut cands: Vec<String> = vec![if absolute {
        "/".to_string()
    } else {
        String::new()
    }];
    for comp in comps.iter().filter(|c| !c.is_empty()) {
        let mut next = Vec::new();
        for c in &cands {
            let dir = vfs.resolve(cwd, if c.is_empty() { "." } else { c });
            if pattern::has_wildcards(comp) {
                let Ok(names) = vfs.list(&dir) else { continue };
                for name in names {
                    if name.starts_with('.') && comp.first().is_none_or(|p| p.c != '.') {
                        continue;
                    }
                    if pattern::matches(comp, &name) {
                        next.push(join(c, &name));
                    }
                }
            } else {
                let name: String = comp.iter().map(|p| p.c).collect();
                next.push(join(c, &name));
            }
            if next.len() > 10_000 {
                break;
            }
        }
        cands = next;
    }
    let mut found: Vec<String> = cands
        .into_iter()
        .filter(|c| {
            let abs = vfs.resolve(cwd, c);
            vfs.exists(&abs) && (!trailing_slash || vfs.is_dir(&abs))
        })
        .map(|c| if trailing_slash { format!("{c}/") } else { c })
        .collect();
    found.sort();
    found
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}
