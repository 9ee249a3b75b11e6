//! POSIX-style regular expressions (BRE and ERE with the GNU extensions grep users rely on)
//! and shell glob patterns. Matching is a Pike VM (no exponential backtracking on any input)
//! and finds leftmost-longest matches, as POSIX grep does.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Char(char),
    Any,
    Class {
        items: Vec<ClassItem>,
        negated: bool,
    },
    Start,
    End,
    WordBoundary,
    NotWordBoundary,
    WordStart,
    WordEnd,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
    /// A parenthesised group with its number (1-based), for `\1` in sed replacements.
    Group(usize, Box<Node>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ClassItem {
    Range(char, char),
    Named(String),
}

#[derive(Debug, Clone)]
enum Inst {
    Char(char),
    Any,
    Class {
        items: Vec<ClassItem>,
        negated: bool,
    },
    Assert(Node),
    Split(usize, usize),
    Jmp(usize),
    /// Records the current position in capture slot N.
    Save(usize),
    Match,
}

/// Capture slots of one VM thread: start and end of each group.
type Caps = Vec<Option<usize>>;

/// Positions of a match and its groups (index 0: the whole match).
pub type Captures = Vec<Option<(usize, usize)>>;

/// More groups than this are refused.
const MAX_GROUPS: usize = 99;

/// A compiled regular expression.
#[derive(Debug, Clone)]
pub struct Regex {
    prog: Vec<Inst>,
    icase: bool,
    groups: usize,
}

struct ReParser<'a> {
    chars: Vec<char>,
    pos: usize,
    extended: bool,
    _src: &'a str,
    groups: usize,
}

const MAX_REPEAT: u32 = 255;

impl ReParser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }
    fn peek2(&self) -> Option<char> {
        self.chars.get(self.pos + 1).copied()
    }

    fn at_alt(&self) -> bool {
        if self.extended {
            self.peek() == Some('|')
        } else {
            self.peek() == Some('\\') && self.peek2() == Some('|')
        }
    }
    fn at_close(&self) -> bool {
        if self.extended {
            self.peek() == Some(')')
        } else {
            self.peek() == Some('\\') && self.peek2() == Some(')')
        }
    }

    fn alternation(&mut self, depth: usize) -> Result<Node, String> {
        let mut alts = vec![self.concat(depth)?];
        while self.at_alt() {
            self.pos += if self.extended { 1 } else { 2 };
            alts.push(self.concat(depth)?);
        }
        Ok(if alts.len() == 1 {
            alts.pop().unwrap_or(Node::Concat(vec![]))
        } else {
            Node::Alt(alts)
        })
    }

    fn concat(&mut self, depth: usize) -> Result<Node, String> {
        let mut items: Vec<Node> = Vec::new();
        loop {
            if self.peek().is_none() || self.at_alt() || (depth > 0 && self.at_close()) {
                break;
            }
            if self.extended && self.peek() == Some(')') && depth == 0 {
                // An unmatched `)` in ERE is literal for GNU grep.
                self.pos += 1;
                items.push(Node::Char(')'));
                continue;
            }
            let at_start = items.is_empty();
            let atom = self.atom(depth, at_start)?;
            let atom = self.quantifiers(atom)?;
            items.push(atom);
        }
        Ok(Node::Concat(items))
    }

    fn quantifiers(&mut self, mut atom: Node) -> Result<Node, String> {
        loop {
            let (min, max) = match (self.peek(), self.peek2()) {
                (Some('*'), _) => {
                    self.pos += 1;
                    (0, None)
                }
                (Some('+'), _) if self.extended => {
                    self.pos += 1;
                    (1, None)
                }
                (Some('?'), _) if self.extended => {
                    self.pos += 1;
                    (0, Some(1))
                }
                (Some('\\'), Some('+')) if !self.extended => {
                    self.pos += 2;
                    (1, None)
                }
                (Some('\\'), Some('?')) if !self.extended => {
                    self.pos += 2;
                    (0, Some(1))
                }
                (Some('{'), _) if self.extended => {
                    let save = self.pos;
                    self.pos += 1;
                    match self.interval()? {
                        Some(r) => r,
                        None => {
                            self.pos = save;
                            break;
                        }
                    }
                }
                (Some('\\'), Some('{')) if !self.extended => {
                    self.pos += 2;
                    self.interval()?.ok_or_else(|| "Unmatched \\{".to_string())?
                }
                _ => break,
            };
            if matches!(atom, Node::Start | Node::End) {
                continue;
            }
            atom = Node::Repeat {
                node: Box::new(atom),
                min,
                max,
            };
        }
        Ok(atom)
    }

    /// `{n}`, `{n,}`, `{n,m}` after the opening brace; `None` when it is not an interval (ERE
    /// then treats `{` literally).
    fn interval(&mut self) -> Result<Option<(u32, Option<u32>)>, String> {
        let read_num = |p: &mut Self| {
            let start = p.pos;
            while matches!(p.peek(), Some(c) if c.is_ascii_digit()) {
                p.pos += 1;
            }
            let s: String = p
                .chars
                .get(start..p.pos)
                .map(|c| c.iter().collect())
                .unwrap_or_default();
            if s.is_empty() {
                None
            } else {
                Some(s.parse::<u32>().unwrap_or(u32::MAX))
            }
        };
        let min = read_num(self);
        let max = if self.peek() == Some(',') {
            self.pos += 1;
            read_num(self)
        } else {
            Some(min.unwrap_or(0))
        };
        let closed = if self.extended {
            if self.peek() == Some('}') {
                self.pos += 1;
                true
            } else {
                false
            }
        } else if self.peek() == Some('\\') && self.peek2() == Some('}') {
            self.pos += 2;
            true
        } else {
            false
        };
        if !closed {
            return if self.extended {
                Ok(None)
            } else {
                Err("Unmatched \\{".to_string())
            };
        }
        let min = min.unwrap_or(0);
        if min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT) {
            return Err("Regular expression too big".to_string());
        }
        if max.is_some_and(|m| m < min) {
            return Err("Invalid content of \\{\\}".to_string());
        }
        Ok(Some((min, max)))
    }

    fn atom(&mut self, depth: usize, at_start: bool) -> Result<Node, String> {
        let Some(c) = self.peek() else {
            return Ok(Node::Concat(vec![]));
        };
        self.pos += 1;
        Ok(match c {
            '.' => Node::Any,
            '^' if self.extended || at_start => Node::Start,
            '$' if self.extended || self.peek().is_none() || self.at_alt() || (depth > 0 && self.at_close()) => {
                Node::End
            }
            '[' => self.bracket()?,
            '(' if self.extended => self.group(depth)?,
            '*' if at_start => Node::Char('*'),
            '+' | '?' if self.extended && at_start => Node::Char(c),
            '\\' => {
                let Some(n) = self.peek() else {
                    return Err("Trailing backslash".to_string());
                };
                self.pos += 1;
                match n {
                    '(' if !self.extended => self.group(depth)?,
                    'w' => Node::Class {
                        items: vec![ClassItem::Named("alnum".into()), ClassItem::Range('_', '_')],
                        negated: false,
                    },
                    'W' => Node::Class {
                        items: vec![ClassItem::Named("alnum".into()), ClassItem::Range('_', '_')],
                        negated: true,
                    },
                    's' => Node::Class {
                        items: vec![ClassItem::Named("space".into())],
                        negated: false,
                    },
                    'S' => Node::Class {
                        items: vec![ClassItem::Named("space".into())],
                        negated: true,
                    },
                    'b' => Node::WordBoundary,
                    'B' => Node::NotWordBoundary,
                    '<' => Node::WordStart,
                    '>' => Node::WordEnd,
                    'n' => Node::Char('\n'),
                    't' => Node::Char('t'),
                    c => Node::Char(c),
                }
            }
            c => Node::Char(c),
        })
    }

    fn group(&mut self, depth: usize) -> Result<Node, String> {
        if depth > 100 {
            return Err("Regular expression too big".to_string());
        }
        self.groups += 1;
        let index = self.groups;
        if index > MAX_GROUPS {
            return Err("Regular expression too big".to_string());
        }
        let inner = self.alternation(depth + 1)?;
        if self.at_close() {
            self.pos += if self.extended { 1 } else { 2 };
            Ok(Node::Group(index, Box::new(inner)))
        } else {
            Err("Unmatched ( or \\(".to_string())
        }
    }

    fn bracket(&mut self) -> Result<Node, String> {
        let mut negated = false;
        if self.peek() == Some('^') {
            negated = true;
            self.pos += 1;
        }
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                return Err("Unmatched [, [^, [:, [., or [=".to_string());
            };
            self.pos += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            if c == '[' && self.peek() == Some(':') {
                let rest: String = self
                    .chars
                    .get(self.pos + 1..)
                    .map(|r| r.iter().collect())
                    .unwrap_or_default();
                if let Some(end) = rest.find(":]") {
                    let name = rest.get(..end).unwrap_or("").to_string();
                    self.pos += 1 + name.chars().count() + 2;
                    if !matches!(
                        name.as_str(),
                        "alpha"
                            | "digit"
                            | "alnum"
                            | "upper"
                            | "lower"
                            | "space"
                            | "blank"
                            | "punct"
                            | "xdigit"
                            | "print"
                            | "graph"
                            | "cntrl"
                    ) {
                        return Err("Invalid character class name".to_string());
                    }
                    items.push(ClassItem::Named(name));
                    continue;
                }
            }
            if self.peek() == Some('-') && self.peek2().is_some_and(|n| n != ']') {
                self.pos += 1;
                let hi = self.peek().unwrap_or(c);
                self.pos += 1;
                if hi < c {
                    return Err("Invalid range end".to_string());
                }
                items.push(ClassItem::Range(c, hi));
            } else {
                items.push(ClassItem::Range(c, c));
            }
        }
        Ok(Node::Class { items, negated })
    }
}

fn named_class(name: &str, c: char) -> bool {
    match name {
        "alpha" => c.is_alphabetic(),
        "digit" => c.is_ascii_digit(),
        "alnum" => c.is_alphanumeric(),
        "upper" => c.is_uppercase(),
        "lower" => c.is_lowercase(),
        "space" => c.is_whitespace(),
        "blank" => c == ' ' || c == '\t',
        "punct" => c.is_ascii_punctuation(),
        "xdigit" => c.is_ascii_hexdigit(),
        "print" => !c.is_control(),
        "graph" => !c.is_control() && !c.is_whitespace(),
        "cntrl" => c.is_control(),
        _ => false,
    }
}

fn class_matches(items: &[ClassItem], negated: bool, c: char, icase: bool) -> bool {
    let test = |c: char| {
        items.iter().any(|it| match it {
            ClassItem::Range(lo, hi) => *lo <= c && c <= *hi,
            ClassItem::Named(n) => named_class(n, c),
        })
    };
    let mut hit = test(c);
    if icase && !hit {
        hit = c.to_lowercase().any(test) || c.to_uppercase().any(test);
    }
    hit != negated
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

fn compile(node: &Node, prog: &mut Vec<Inst>) {
    match node {
        Node::Char(c) => prog.push(Inst::Char(*c)),
        Node::Any => prog.push(Inst::Any),
        Node::Class { items, negated } => prog.push(Inst::Class {
            items: items.clone(),
            negated: *negated,
        }),
        Node::Start | Node::End | Node::WordBoundary | Node::NotWordBoundary | Node::WordStart | Node::WordEnd => {
            prog.push(Inst::Assert(node.clone()))
        }
        Node::Concat(items) => items.iter().for_each(|n| compile(n, prog)),
        Node::Group(index, inner) => {
            prog.push(Inst::Save(2 * index));
            compile(inner, prog);
            prog.push(Inst::Save(2 * index + 1));
        }
        Node::Alt(alts) => {
            let mut jumps = Vec::new();
            for (i, alt) in alts.iter().enumerate() {
                if i + 1 < alts.len() {
                    let split = prog.len();
                    prog.push(Inst::Split(split + 1, 0));
                    compile(alt, prog);
                    jumps.push(prog.len());
                    prog.push(Inst::Jmp(0));
                    let next = prog.len();
                    if let Some(Inst::Split(_, b)) = prog.get_mut(split) {
                        *b = next;
                    }
                } else {
                    compile(alt, prog);
                }
            }
            let end = prog.len();
            for j in jumps {
                if let Some(Inst::Jmp(t)) = prog.get_mut(j) {
                    *t = end;
                }
            }
        }
        Node::Repeat { node, min, max } => {
            for _ in 0..*min {
                compile(node, prog);
            }
            match max {
                None => {
                    let split = prog.len();
                    prog.push(Inst::Split(split + 1, 0));
                    compile(node, prog);
                    prog.push(Inst::Jmp(split));
                    let end = prog.len();
                    if let Some(Inst::Split(_, b)) = prog.get_mut(split) {
                        *b = end;
                    }
                }
                Some(max) => {
                    let mut splits = Vec::new();
                    for _ in *min..*max {
                        splits.push(prog.len());
                        prog.push(Inst::Split(prog.len() + 1, 0));
                        compile(node, prog);
                    }
                    let end = prog.len();
                    for s in splits {
                        if let Some(Inst::Split(_, b)) = prog.get_mut(s) {
                            *b = end;
                        }
                    }
                }
            }
        }
    }
}

/// Limits compiled size so a pattern like `(a{255}){255}` cannot exhaust memory.
const MAX_PROGRAM: usize = 100_000;

impl Regex {
    /// Compiles a basic (`extended = false`) or extended regular expression; the error is the
    /// message GNU grep prints after `grep: `.
    pub fn new(pattern: &str, extended: bool, icase: bool) -> Result<Regex, String> {
        let mut p = ReParser {
            chars: pattern.chars().collect(),
            pos: 0,
            extended,
            _src: pattern,
            groups: 0,
        };
        let node = p.alternation(0)?;
        if p.pos < p.chars.len() {
            return Err("Unmatched ) or \\)".to_string());
        }
        if node_size(&node) > MAX_PROGRAM {
            return Err("Regular expression too big".to_string());
        }
        let mut prog = Vec::new();
        compile(&node, &mut prog);
        prog.push(Inst::Match);
        Ok(Regex {
            prog,
            icase,
            groups: p.groups,
        })
    }

    /// A regex matching `s` literally (grep -F).
    pub fn literal(s: &str, icase: bool) -> Regex {
        let mut prog: Vec<Inst> = s.chars().map(Inst::Char).collect();
        prog.push(Inst::Match);
        Regex { prog, icase, groups: 0 }
    }

    /// Whether the regex matches anywhere in `text`: one pass, a new thread at every position.
    pub fn is_match(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        let n = self.prog.len();
        let mut current: Vec<(usize, Caps)> = Vec::new();
        let mut i = 0;
        loop {
            let mut seen = vec![false; n];
            for (pc, _) in &current {
                if let Some(s) = seen.get_mut(*pc) {
                    *s = true;
                }
            }
            // Threads already here keep priority; the new start joins last.
            self.add_thread(&mut current, &mut seen, 0, Vec::new(), &text, i);
            let c = text.get(i).copied();
            let mut next = Vec::new();
            let mut seen_next = vec![false; n];
            for (pc, caps) in current {
                let step = match self.prog.get(pc) {
                    Some(Inst::Match) => return true,
                    Some(Inst::Char(want)) => c.is_some_and(|c| self.char_eq(c, *want)),
                    Some(Inst::Any) => c.is_some_and(|c| c != '\n'),
                    Some(Inst::Class { items, negated }) => {
                        c.is_some_and(|c| class_matches(items, *negated, c, self.icase))
                    }
                    _ => false,
                };
                if step {
                    self.add_thread(&mut next, &mut seen_next, pc + 1, caps, &text, i + 1);
                }
            }
            if c.is_none() {
                return false;
            }
            current = next;
            i += 1;
        }
    }

    /// The character every match must start with, when the pattern begins with a literal.
    fn first_char(&self) -> Option<char> {
        if self.icase {
            return None;
        }
        for inst in &self.prog {
            match inst {
                Inst::Save(_) => continue,
                Inst::Char(c) => return Some(*c),
                _ => return None,
            }
        }
        None
    }

    /// Leftmost-longest match at or after char index `from`: (start, end) in chars.
    pub fn find_at(&self, text: &[char], from: usize) -> Option<(usize, usize)> {
        let first = self.first_char();
        (from..=text.len())
            .filter(|&i| first.is_none_or(|f| text.get(i) == Some(&f)))
            .find_map(|start| self.longest_at(text, start).map(|end| (start, end)))
    }

    /// The end of the longest match starting exactly at `start`.
    pub fn longest_at_pub(&self, text: &[char], start: usize) -> Option<usize> {
        self.longest_at(text, start)
    }

    fn char_eq(&self, a: char, b: char) -> bool {
        a == b || (self.icase && a.to_lowercase().eq(b.to_lowercase()))
    }

    fn assert_ok(node: &Node, text: &[char], i: usize) -> bool {
        let before = if i == 0 { None } else { text.get(i - 1).copied() };
        let after = text.get(i).copied();
        match node {
            Node::Start => i == 0,
            Node::End => i == text.len(),
            Node::WordBoundary => is_word(before) != is_word(after),
            Node::NotWordBoundary => is_word(before) == is_word(after),
            Node::WordStart => !is_word(before) && is_word(after),
            Node::WordEnd => is_word(before) && !is_word(after),
            _ => false,
        }
    }

    // A failed assertion must end the thread, not fall through to the catch-all arm.
    #[allow(clippy::collapsible_match)]
    fn add_thread(
        &self,
        list: &mut Vec<(usize, Caps)>,
        seen: &mut [bool],
        pc: usize,
        caps: Caps,
        text: &[char],
        i: usize,
    ) {
        let mut stack = vec![(pc, caps)];
        while let Some((pc, caps)) = stack.pop() {
            if seen.get(pc).copied().unwrap_or(true) {
                continue;
            }
            if let Some(s) = seen.get_mut(pc) {
                *s = true;
            }
            match self.prog.get(pc) {
                Some(Inst::Jmp(t)) => stack.push((*t, caps)),
                Some(Inst::Split(a, b)) => {
                    // Pushed last, popped first: the preferred branch.
                    stack.push((*b, caps.clone()));
                    stack.push((*a, caps));
                }
                Some(Inst::Assert(node)) => {
                    if Self::assert_ok(node, text, i) {
                        stack.push((pc + 1, caps));
                    }
                }
                Some(Inst::Save(slot)) => {
                    let mut caps = caps;
                    if let Some(s) = caps.get_mut(*slot) {
                        *s = Some(i);
                    }
                    stack.push((pc + 1, caps));
                }
                Some(_) => list.push((pc, caps)),
                None => {}
            }
        }
    }

    /// The end of the longest match starting exactly at `start`, with its capture slots.
    fn longest_at_caps(&self, text: &[char], start: usize) -> Option<(usize, Caps)> {
        let n = self.prog.len();
        let mut current = Vec::new();
        let mut seen = vec![false; n];
        self.add_thread(&mut current, &mut seen, 0, vec![None; 2 * self.groups + 2], text, start);
        let mut best: Option<(usize, Caps)> = None;
        let mut i = start;
        loop {
            let mut next = Vec::new();
            let mut seen_next = vec![false; n];
            let c = text.get(i).copied();
            for (pc, caps) in current {
                let step = match self.prog.get(pc) {
                    Some(Inst::Match) => {
                        // The first thread to match at a new, longer end has priority.
                        if best.as_ref().is_none_or(|(end, _)| *end < i) {
                            best = Some((i, caps));
                        }
                        continue;
                    }
                    Some(Inst::Char(want)) => c.is_some_and(|c| self.char_eq(c, *want)),
                    Some(Inst::Any) => c.is_some_and(|c| c != '\n'),
                    Some(Inst::Class { items, negated }) => {
                        c.is_some_and(|c| class_matches(items, *negated, c, self.icase))
                    }
                    _ => false,
                };
                if step {
                    self.add_thread(&mut next, &mut seen_next, pc + 1, caps, text, i + 1);
                }
            }
            if next.is_empty() || c.is_none() {
                return best;
            }
            current = next;
            i += 1;
        }
    }

    fn longest_at(&self, text: &[char], start: usize) -> Option<usize> {
        self.longest_at_caps(text, start).map(|(end, _)| end)
    }

    /// The leftmost-longest match at or after `from` with its groups (index 0: whole match).
    pub fn captures_at(&self, text: &[char], from: usize) -> Option<Captures> {
        let first = self.first_char();
        (from..=text.len())
            .filter(|&i| first.is_none_or(|f| text.get(i) == Some(&f)))
            .find_map(|start| {
                self.longest_at_caps(text, start).map(|(end, caps)| {
                    let mut out = vec![Some((start, end))];
                    for g in 1..=self.groups {
                        out.push(
                            match (
                                caps.get(2 * g).copied().flatten(),
                                caps.get(2 * g + 1).copied().flatten(),
                            ) {
                                (Some(a), Some(b)) if a <= b => Some((a, b)),
                                _ => None,
                            },
                        );
                    }
                    out
                })
            })
    }
}

fn node_size(node: &Node) -> usize {
    match node {
        Node::Concat(items) | Node::Alt(items) => items.iter().map(node_size).sum::<usize>() + 1,
        Node::Repeat { node, min, max } => {
            node_size(node).saturating_mul((max.unwrap_or(*min) as usize).max(*min as usize) + 1) + 1
        }
        Node::Group(_, inner) => node_size(inner) + 2,
        _ => 1,
    }
}

/// Shell pattern matching (`*`, `?`, `[…]`, `\x`) of the whole of `text`.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob_at(&p, &t)
}

fn glob_at(p: &[char], t: &[char]) -> bool {
    // Iterative with a single backtrack point for `*`: linear enough for any input.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some('?') => Some(pi + 1),
            Some('[') => match bracket_glob(p, pi, t.get(ti).copied().unwrap_or('\0')) {
                Some((true, next)) => Some(next),
                Some((false, _)) => None,
                None => (t.get(ti) == Some(&'[')).then_some(pi + 1),
            },
            Some('\\') if p.get(pi + 1).is_some() => (p.get(pi + 1) == t.get(ti)).then_some(pi + 2),
            Some(c) => (Some(c) == t.get(ti)).then_some(pi + 1),
            None => None,
        };
        match step {
            Some(next) => {
                pi = next;
                ti += 1;
            }
            None => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..).is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

/// Matches `c` against the bracket expression at `p[start]`; `None` when unterminated.
fn bracket_glob(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negated = matches!(p.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut hit = false;
    let mut first = true;
    loop {
        let ch = *p.get(i)?;
        if ch == ']' && !first {
            return Some((hit != negated, i + 1));
        }
        first = false;
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|n| *n != ']') {
            let hi = *p.get(i + 2)?;
            if ch <= c && c <= hi {
                hit = true;
            }
            i += 3;
        } else {
            if ch == c {
                hit = true;
            }
            i += 1;
        }
    }
}

/// Whether `s` contains unescaped glob characters.
pub fn has_glob(pattern: &str) -> bool {
    let mut escaped = false;
    for c in pattern.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if matches!(c, '*' | '?' | '[') {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(re: &str, ext: bool, text: &str) -> Option<(usize, usize)> {
        let r = Regex::new(re, ext, false).unwrap();
        r.find_at(&text.chars().collect::<Vec<_>>(), 0)
    }

    #[test]
    fn matches_are_leftmost_longest() {
        let cases = [
            ("nginx", false, "my-nginx-pod", Some((3, 8))),
            ("a|ab", true, "xab", Some((1, 3))),
            ("a\\|ab", false, "xab", Some((1, 3))),
            ("a|ab", false, "a|ab", Some((0, 4))),
            ("^Run", true, "Running", Some((0, 3))),
            ("^Run", true, "xRunning", None),
            ("ing$", false, "Running", Some((4, 7))),
            ("[0-9]+/[0-9]+", true, "nginx   1/1   Running", Some((8, 11))),
            ("[0-9]\\+", false, "ab 12", Some((3, 5))),
            ("x*", false, "abc", Some((0, 0))),
            ("(ab){2}", true, "cababd", Some((1, 5))),
            ("\\(ab\\)\\{2\\}", false, "cababd", Some((1, 5))),
            ("a{,2}b", true, "aaab", Some((1, 4))),
            ("[[:digit:]]+", true, "age 42d", Some((4, 6))),
            ("[^ ]*", false, "pod/x y", Some((0, 5))),
            ("\\bpod\\b", false, "pods pod", Some((5, 8))),
            ("*a", false, "b*a", Some((1, 3))),
            ("a{", true, "a{", Some((0, 2))),
            (".", false, "", None),
        ];
        for (re, ext, text, want) in cases {
            assert_eq!(find(re, ext, text), want, "{re} on {text}");
        }
    }

    #[test]
    fn captures_report_group_positions() {
        let r = Regex::new("\\(b\\)\\([0-9]\\)", false, false).unwrap();
        let text: Vec<char> = "a1 b2".chars().collect();
        assert_eq!(
            r.captures_at(&text, 0),
            Some(vec![Some((3, 5)), Some((3, 4)), Some((4, 5))])
        );
        let r = Regex::new("(a|(x))+", true, false).unwrap();
        let text: Vec<char> = "aa".chars().collect();
        assert_eq!(r.captures_at(&text, 0), Some(vec![Some((0, 2)), Some((1, 2)), None]));
        let r = Regex::new("(.*):(.*)", true, false).unwrap();
        let text: Vec<char> = "k:v:w".chars().collect();
        assert_eq!(r.captures_at(&text, 0).unwrap()[2], Some((4, 5)));
    }

    #[test]
    fn case_insensitive_matching_folds_both_sides() {
        let r = Regex::new("running", false, true).unwrap();
        assert!(r.is_match("STATUS Running"));
        let r = Regex::new("[a-c]", false, true).unwrap();
        assert!(r.is_match("B"));
    }

    #[test]
    fn invalid_patterns_are_errors_not_panics() {
        for (re, ext) in [
            ("[abc", false),
            ("\\(a", false),
            ("(a", true),
            ("a\\", false),
            ("a{300}", true),
            ("[z-a]", true),
        ] {
            assert!(Regex::new(re, ext, false).is_err(), "{re}");
        }
        // Nested large repeats are refused rather than compiled.
        assert!(Regex::new("((a{200}){200}){200}", true, false).is_err());
    }

    #[test]
    fn one_pass_matching_agrees_with_leftmost_search() {
        let patterns = [
            "nginx",
            "^Run",
            "ing$",
            "a|ab",
            "x*",
            "[0-9]+/[0-9]+",
            "\\bpod\\b",
            "(ab){2}",
            ".",
            "^$",
        ];
        let texts = [
            "",
            "my-nginx-pod",
            "Running",
            "xab",
            "nginx   1/1",
            "pods pod",
            "cababd",
            "xRun",
        ];
        for p in patterns {
            let r = Regex::new(p, true, false).unwrap();
            for t in texts {
                let chars: Vec<char> = t.chars().collect();
                assert_eq!(r.is_match(t), r.find_at(&chars, 0).is_some(), "{p} on {t:?}");
            }
        }
    }

    #[test]
    fn pathological_patterns_finish() {
        let r = Regex::new("(a*)*b", true, false).unwrap();
        assert!(!r.is_match(&"a".repeat(200)));
    }

    #[test]
    fn globs_match_whole_names() {
        let cases = [
            ("*.yaml", "pod.yaml", true),
            ("*.yaml", "pod.yml", false),
            ("p?d*", "pod.yaml", true),
            ("[abc]*", "bar", true),
            ("[!abc]*", "bar", false),
            ("a\\*", "a*", true),
            ("a\\*", "ab", false),
            ("*", "", true),
            ("[", "[", true),
            ("*a*b*c", "xaybzc", true),
        ];
        for (p, t, want) in cases {
            assert_eq!(glob_match(p, t), want, "{p} vs {t}");
        }
    }
}
