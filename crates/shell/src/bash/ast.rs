//! The syntax tree of the bash subset, as the parser builds it and the interpreter walks it.

/// One piece of a word; a word is the concatenation of its parts after expansion.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    /// Unquoted text: subject to globbing (never to splitting, it has no blanks).
    Lit(String),
    /// Quoted or escaped text: taken literally.
    Quoted(String),
    /// `"..."`: the inner parts are expanded but neither split nor globbed.
    Dq(Vec<Part>),
    /// `$name`, `${name}`, `${name:-word}`, ...
    Param(Box<Param>),
    /// `$(list)` or `` `list` ``.
    CmdSub(List),
    /// `$(( expr ))`: the expression text, expanded before it is evaluated.
    Arith(Word),
    /// A leading `~` (followed by `/` or the end of the word): `$HOME`.
    Tilde,
}

/// A word of a command line: parts glued together.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Word(pub Vec<Part>);

impl Word {
    /// The text of the word when it is made only of unquoted literal text (reserved words,
    /// alias names, `for` variable names).
    pub fn as_plain(&self) -> Option<String> {
        let mut s = String::new();
        for p in &self.0 {
            match p {
                Part::Lit(t) => s.push_str(t),
                _ => return None,
            }
        }
        Some(s)
    }
}

/// A parameter expansion.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// Variable name, digit or special character (`?`, `#`, `@`, `*`, `$`, `!`, `0`).
    pub name: String,
    /// What to do with the value.
    pub op: ParamOp,
}

/// The operator of `${name OP word}`.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamOp {
    /// `$name`, `${name}`.
    Plain,
    /// `${#name}`.
    Length,
    /// `${name:-word}` (`colon`: also when set but empty).
    Default { colon: bool, word: Word },
    /// `${name:=word}`.
    Assign { colon: bool, word: Word },
    /// `${name:+word}`.
    Alt { colon: bool, word: Word },
    /// `${name:?word}`.
    Error { colon: bool, word: Word },
    /// `${name#pat}` / `${name##pat}`.
    TrimPrefix { longest: bool, pat: Word },
    /// `${name%pat}` / `${name%%pat}`.
    TrimSuffix { longest: bool, pat: Word },
    /// `${name/pat/rep}` / `${name//pat/rep}`.
    Replace { all: bool, pat: Word, rep: Word },
    /// `${name:offset}` / `${name:offset:length}` (arithmetic texts).
    Substring { offset: Word, length: Option<Word> },
    /// Something bash cannot parse (`${x!}`); `name` holds the whole text. Expanding it is
    /// the error `bash: TEXT: bad substitution`.
    Bad,
}

/// A redirection operator.
#[derive(Clone, Debug, PartialEq)]
pub enum RedirOp {
    /// `>` (and `>|`).
    Out,
    /// `>>`.
    Append,
    /// `<`.
    In,
    /// `>&N` / `N>&M` (target is the fd number, or `-`).
    DupOut,
    /// `<&N`.
    DupIn,
    /// `&>` (stdout and stderr to a file).
    Both,
    /// `&>>`.
    BothAppend,
    /// `<<EOF` (body already read; `expand` false when the delimiter was quoted).
    HereDoc { body: String, expand: bool },
    /// `<<<word`.
    HereString,
}

/// `[fd]op target`.
#[derive(Clone, Debug, PartialEq)]
pub struct Redir {
    /// Explicit file descriptor before the operator (`2>`), if any.
    pub fd: Option<u32>,
    /// The operator.
    pub op: RedirOp,
    /// File name, fd number or here-string word (empty for heredocs).
    pub target: Word,
}

/// A simple command: assignments, words, redirections.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Simple {
    /// `NAME=value` before the command name.
    pub assigns: Vec<(String, Word)>,
    /// The command name and its arguments.
    pub words: Vec<Word>,
    /// Redirections, in order.
    pub redirs: Vec<Redir>,
}

/// A token of a `[[ ... ]]` expression.
#[derive(Clone, Debug, PartialEq)]
pub enum CondTok {
    /// An operand or a unary/binary operator word (`-f`, `==`, `<`, ...).
    Word(Word),
    /// `&&`, `||`, `!`, `(`, `)`.
    Op(&'static str),
}

/// A compound command.
#[derive(Clone, Debug, PartialEq)]
pub enum Compound {
    /// `{ list; }`.
    Group(List),
    /// `( list )`.
    Subshell(List),
    /// `if c; then b; elif c; then b; else b; fi`.
    If {
        arms: Vec<(List, List)>,
        otherwise: Option<List>,
    },
    /// `for name [in words]; do body; done`.
    For {
        var: String,
        items: Option<Vec<Word>>,
        body: List,
    },
    /// `while c; do b; done` / `until c; do b; done`.
    While { cond: List, body: List, until: bool },
    /// `case word in pat|pat) list;; esac`.
    Case {
        word: Word,
        arms: Vec<(Vec<Word>, List)>,
    },
    /// `[[ expr ]]`.
    Cond(Vec<CondTok>),
    /// `(( expr ))`.
    Arith(Word),
}

/// Anything that can be an element of a pipeline.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// A simple command.
    Simple(Simple),
    /// A compound command with its redirections.
    Compound(Box<Compound>, Vec<Redir>),
    /// `name() compound` or `function name compound`.
    FuncDef(String, Box<Command>),
}

/// `[!] cmd | cmd |& cmd`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    /// Leading `!`.
    pub negate: bool,
    /// The commands; `bool` is true when the command's stderr also goes into the pipe (`|&`).
    pub cmds: Vec<(Command, bool)>,
}

/// `pipeline && pipeline || pipeline`.
#[derive(Clone, Debug, PartialEq)]
pub struct AndOr {
    /// The first pipeline.
    pub first: Pipeline,
    /// Followers: `true` for `&&`, `false` for `||`.
    pub rest: Vec<(bool, Pipeline)>,
}

/// Commands separated by `;`, `&` or newlines.
pub type List = Vec<AndOr>;
