//! The house points one way. Every top-level module of `src/` may import only
//! modules of a lower layer (the `LAYERS` table below), and modules that share
//! a parent (`tui::app` and `tui::keys`, `platforms::x` and `platforms::json`,
//! `store` and `tui`) never import each other in a circle. A module reaching up
//! (a platform into the config, the store into a view, the dashboard into
//! `cli`), a module in no layer, or a circle fails here, naming file and line.
//!
//! `cargo test layers` runs just this (`cargo test --test main layers` skips
//! the unit tests of `src/`). `layers_only_point_down` is the layer check,
//! `no_module_cycles` the circles at every level.
//!
//! The code is read as the compiler reads it, with `syn`, not line by line:
//! each file of `src/` is parsed and its module found from its path
//! (`src/tui/app.rs` is `crate::tui::app`, a `mod.rs` is its directory,
//! `lib.rs` the root; `main.rs` is the binary, outside the library), and
//! inline `mod`s nest inside it. Every path is then resolved the way rustc's
//! 2024 edition does: `use` trees of any shape (across lines, nested groups,
//! `self`, renames, globs), `crate::`, `super::super::`, `self::`, a first
//! segment naming a child module or an import of the module it is written in
//! (`use app::App` in `tui/mod.rs` is `crate::tui::app`), paths in
//! expressions, types, patterns and attributes, paths in macro arguments
//! (their tokens are scanned for `a::b` sequences, `$crate::` included), and
//! a name brought in by an import or a glob is followed to where it comes
//! from, so a re-export is no way round (the re-exporting module depends on
//! what it re-exports, and whoever uses it through there depends on both).
//! `#[cfg(test)]` code counts like the rest; a circle found only through test
//! code says so.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};

use proc_macro2::{Spacing, Span, TokenStream, TokenTree};
use syn::visit::{self, Visit};

/// Layers from the bottom. A module may use modules of lower layers only. A
/// module listed here that `src/` does not have yet is fine; a module of
/// `src/` listed nowhere fails.
const LAYERS: &[&[&str]] = &[
    &["util"],
    &["model"],
    &["text", "logging"],
    &["http", "store", "effort", "forecast"],
    &["platforms"],
    &["config"],
    &[
        "poller",
        "lease",
        "status",
        "tracking",
        "import",
        "followers",
    ],
    &["export", "alerts", "metrics"],
    &["boot"],
    &["service"],
    &["demo"],
    &["tui"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// A module as the segments after `crate`; the root is empty.
type ModPath = Vec<String>;

fn show(m: &[String]) -> String {
    if m.is_empty() {
        "crate".to_string()
    } else {
        format!("crate::{}", m.join("::"))
    }
}

/// The module a file of the library is (`src/tui/app.rs` → `tui::app`,
/// `src/tui/mod.rs` → `tui`, `src/lib.rs` → the root); `None` for the binary.
fn module_of_file(rel: &str) -> Option<ModPath> {
    let inner = rel.strip_prefix("src/")?.strip_suffix(".rs")?;
    let mut segs: ModPath = inner.split('/').map(str::to_string).collect();
    match segs.as_slice() {
        [only] if only == "lib" => return Some(Vec::new()),
        [only] if only == "main" => return None,
        [first, ..] if first == "bin" => return None,
        _ => {}
    }
    if segs.last().is_some_and(|s| s == "mod") {
        segs.pop();
    }
    Some(segs)
}

fn line(span: Span) -> usize {
    span.start().line
}

/// A path as written: its segments, each with the line it is on.
type Written = Vec<(String, usize)>;

/// One place where code of `module` names `path`.
struct Ref {
    module: ModPath,
    path: Written,
    file: String,
    /// A one-segment path outside `use` (`App`, `x`): it names an item or a
    /// local, never a module, so it counts only if it leads to an item.
    lone: bool,
    /// Outside `use`: the last segment may name a function or a constant.
    value: bool,
    test_only: bool,
}

/// What a name in a module is.
#[derive(Clone, Debug, PartialEq)]
enum Found {
    Module(ModPath),
    /// An item (type, function, constant, macro...) of this module, or a
    /// name in it this checker cannot see (made by a macro, say).
    Item(ModPath),
}

/// The library as parsed: its modules and, for each, the names it defines and
/// imports, and every path its code names.
#[derive(Default)]
struct Tree {
    /// Every module, with where it is (`src/tui/app.rs:1`).
    modules: BTreeMap<ModPath, String>,
    /// The names of the types, traits, macros... each module defines.
    items: BTreeMap<ModPath, BTreeSet<String>>,
    /// Those of functions, constants and statics: `crate::tracking::effort()`
    /// is the function even if `tracking` imports the module `effort` too.
    values: BTreeMap<ModPath, BTreeSet<String>>,
    /// Each module's imports: the name bound and the path it was bound to.
    imports: BTreeMap<ModPath, BTreeMap<String, Written>>,
    /// Each module's glob imports.
    globs: BTreeMap<ModPath, Vec<Written>>,
    refs: Vec<Ref>,
    lookups: RefCell<HashMap<(ModPath, String, bool), Option<Found>>>,
}

/// The modules a resolved path passes through (with the index of the segment
/// that reached each), and what it ends at.
struct Resolved {
    hops: Vec<(ModPath, usize)>,
    target: Option<Found>,
}

impl Tree {
    /// What `name` is in module `m`: a child module, an import (followed to
    /// what it imports), an item, or something a glob import brings in.
    /// `None` for anything else: an extern crate, a prelude name, a local.
    /// With `value`, a function, constant or static of that name comes first.
    fn lookup(&self, m: &ModPath, name: &str, value: bool) -> Option<Found> {
        let key = (m.clone(), name.to_string(), value);
        if let Some(found) = self.lookups.borrow().get(&key) {
            return found.clone();
        }
        // An import chain that comes back here resolves to nothing.
        self.lookups.borrow_mut().insert(key.clone(), None);
        let found = self.lookup_uncached(m, name, value);
        self.lookups.borrow_mut().insert(key, found.clone());
        found
    }

    fn lookup_uncached(&self, m: &ModPath, name: &str, value: bool) -> Option<Found> {
        if value && self.values.get(m).is_some_and(|v| v.contains(name)) {
            return Some(Found::Item(m.clone()));
        }
        let mut child = m.clone();
        child.push(name.to_string());
        if self.modules.contains_key(&child) {
            return Some(Found::Module(child));
        }
        if let Some(path) = self.imports.get(m).and_then(|i| i.get(name)) {
            return self.resolve(m, path, value).target;
        }
        let defined = |names: &BTreeMap<ModPath, BTreeSet<String>>| {
            names.get(m).is_some_and(|n| n.contains(name))
        };
        if defined(&self.items) || defined(&self.values) {
            return Some(Found::Item(m.clone()));
        }
        for glob in self.globs.get(m).into_iter().flatten() {
            if let Some(Found::Module(source)) = self.resolve(m, glob, false).target
                && source != *m
                && let Some(found) = self.lookup(&source, name, value)
            {
                return Some(found);
            }
        }
        None
    }

    /// Resolves `path` as written in module `m`; with `value`, its last
    /// segment is looked up as a value first (it is a call, say).
    fn resolve(&self, m: &ModPath, path: &Written, value: bool) -> Resolved {
        let none = Resolved {
            hops: Vec::new(),
            target: None,
        };
        let Some((first, _)) = path.first() else {
            return none;
        };
        let (mut cur, mut i, anchored) = match first.as_str() {
            "crate" => (Vec::new(), 1, true),
            "self" => (m.clone(), 1, true),
            "super" => (m.clone(), 0, true),
            "Self" => return none,
            _ => (m.clone(), 0, false),
        };
        while i < path.len() && path[i].0 == "super" {
            if cur.pop().is_none() {
                return none; // above the root: not this crate's
            }
            i += 1;
        }
        let mut hops = Vec::new();
        let mut target = None;
        if anchored {
            hops.push((cur.clone(), i - 1));
            target = Some(Found::Module(cur.clone()));
        }
        while i < path.len() {
            match self.lookup(&cur, &path[i].0, value && i + 1 == path.len()) {
                Some(Found::Module(next)) => {
                    hops.push((next.clone(), i));
                    target = Some(Found::Module(next.clone()));
                    cur = next;
                }
                Some(Found::Item(home)) => {
                    if home != cur {
                        hops.push((home.clone(), i));
                    }
                    target = Some(Found::Item(home));
                    break;
                }
                None => {
                    if !hops.is_empty() {
                        target = Some(Found::Item(cur.clone()));
                    }
                    break;
                }
            }
            i += 1;
        }
        Resolved { hops, target }
    }
}

/// Reads the library: every file is parsed (a file that does not parse fails,
/// with its line), its modules, names and paths collected.
fn read_tree(files: &[(String, String)]) -> Tree {
    let mut tree = Tree::default();
    let mut parsed = Vec::new();
    for (rel, text) in files {
        let Some(module) = module_of_file(rel) else {
            continue;
        };
        let file =
            syn::parse_file(text).unwrap_or_else(|e| panic!("{rel}:{}: {e}", line(e.span())));
        tree.modules.insert(module.clone(), format!("{rel}:1"));
        parsed.push((rel.clone(), module, file));
    }
    // `src/tui/app.rs` makes `tui` a module even without `src/tui/mod.rs`.
    for (rel, module, _) in &parsed {
        for n in 1..module.len() {
            tree.modules
                .entry(module[..n].to_vec())
                .or_insert_with(|| format!("{rel}:1"));
        }
    }
    for (rel, module, file) in &parsed {
        let mut reader = Reader {
            tree: &mut tree,
            file: rel,
            module: module.clone(),
            test_depth: 0,
        };
        reader.visit_file(file);
    }
    tree
}

/// Walks one file's syntax tree.
struct Reader<'a> {
    tree: &'a mut Tree,
    file: &'a str,
    module: ModPath,
    test_depth: usize,
}

fn is_colon(t: &TokenTree, spacing: Option<Spacing>) -> bool {
    matches!(t, TokenTree::Punct(p) if p.as_char() == ':' && spacing.is_none_or(|s| p.spacing() == s))
}

/// `#[cfg(test)]`, `#[cfg(all(test, ...))]`, `#[test]`, `#[tokio::test]`.
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let path = a.path();
        if path.segments.last().is_some_and(|s| s.ident == "test") {
            return true;
        }
        match &a.meta {
            syn::Meta::List(list) if path.is_ident("cfg") => list
                .tokens
                .clone()
                .into_iter()
                .any(|t| matches!(t, TokenTree::Ident(i) if i == "test")),
            _ => false,
        }
    })
}

/// An item's attributes, and the name it defines (with whether it is a
/// function, constant or static).
fn item_attrs_and_name(item: &syn::Item) -> (&[syn::Attribute], Option<(String, bool)>) {
    use syn::Item as I;
    let ty = |i: &syn::Ident| Some((i.to_string(), false));
    let value = |i: &syn::Ident| Some((i.to_string(), true));
    match item {
        I::Const(i) => (&i.attrs, value(&i.ident)),
        I::Enum(i) => (&i.attrs, ty(&i.ident)),
        I::ExternCrate(i) => (&i.attrs, ty(i.rename.as_ref().map_or(&i.ident, |r| &r.1))),
        I::Fn(i) => (&i.attrs, value(&i.sig.ident)),
        I::ForeignMod(i) => (&i.attrs, None),
        I::Impl(i) => (&i.attrs, None),
        I::Macro(i) => (&i.attrs, i.ident.as_ref().and_then(ty)),
        I::Mod(i) => (&i.attrs, None),
        I::Static(i) => (&i.attrs, value(&i.ident)),
        I::Struct(i) => (&i.attrs, ty(&i.ident)),
        I::Trait(i) => (&i.attrs, ty(&i.ident)),
        I::TraitAlias(i) => (&i.attrs, ty(&i.ident)),
        I::Type(i) => (&i.attrs, ty(&i.ident)),
        I::Union(i) => (&i.attrs, ty(&i.ident)),
        _ => (&[], None),
    }
}

/// One name a `use` tree binds: the full path, and the name bound (`None` for
/// `as _`), or a glob.
struct UseLeaf {
    path: Written,
    bind: Option<String>,
    glob: bool,
}

fn use_leaves(tree: &syn::UseTree, prefix: &mut Written, out: &mut Vec<UseLeaf>) {
    let seg = |i: &syn::Ident| (i.to_string(), line(i.span()));
    // `a::{self}` and `a::{self as b}` name `a` itself.
    let path_to = |prefix: &Written, i: &syn::Ident| {
        let mut path = prefix.clone();
        if i != "self" || prefix.is_empty() {
            path.push(seg(i));
        }
        path
    };
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(seg(&p.ident));
            use_leaves(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let path = path_to(prefix, &n.ident);
            let bind = path.last().map(|(s, _)| s.clone());
            out.push(UseLeaf {
                path,
                bind,
                glob: false,
            });
        }
        syn::UseTree::Rename(r) => out.push(UseLeaf {
            path: path_to(prefix, &r.ident),
            bind: (r.rename != "_").then(|| r.rename.to_string()),
            glob: false,
        }),
        syn::UseTree::Glob(_) => out.push(UseLeaf {
            path: prefix.clone(),
            bind: None,
            glob: true,
        }),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_leaves(t, prefix, out);
            }
        }
    }
}

impl Reader<'_> {
    fn push_ref(&mut self, path: Written, lone: bool, value: bool) {
        if path.is_empty() {
            return;
        }
        self.tree.refs.push(Ref {
            module: self.module.clone(),
            path,
            file: self.file.to_string(),
            lone,
            value,
            test_only: self.test_depth > 0,
        });
    }

    /// Every `a::b::c` in a macro's (or an attribute's) tokens; in an
    /// attribute, also a string holding one (`with = "crate::util::ser"`).
    fn scan(&mut self, tokens: TokenStream, strings: bool) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                TokenTree::Group(g) => self.scan(g.stream(), strings),
                TokenTree::Ident(first) => {
                    let mut path = vec![(first.to_string(), line(first.span()))];
                    let mut j = i + 1;
                    while j + 2 < tokens.len()
                        && is_colon(&tokens[j], Some(Spacing::Joint))
                        && is_colon(&tokens[j + 1], None)
                    {
                        let TokenTree::Ident(next) = &tokens[j + 2] else {
                            break;
                        };
                        path.push((next.to_string(), line(next.span())));
                        j += 3;
                    }
                    // `<T as Tr>::x` and `::std::x` continue a path this is
                    // not the start of; `$x::y` is a macro's variable.
                    let continues = i >= 2
                        && is_colon(&tokens[i - 1], None)
                        && is_colon(&tokens[i - 2], Some(Spacing::Joint));
                    let variable = i >= 1
                        && matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == '$')
                        && first != "crate";
                    if path.len() >= 2 && !continues && !variable {
                        self.push_ref(path, false, true);
                    }
                    i = j;
                    continue;
                }
                TokenTree::Literal(lit) if strings => {
                    let tt = TokenTree::Literal(lit.clone());
                    if let Ok(s) = syn::parse2::<syn::LitStr>(tt.into())
                        && s.value().contains("::")
                        && let Ok(p) = syn::parse_str::<syn::Path>(&s.value())
                        && p.leading_colon.is_none()
                    {
                        let at = line(lit.span());
                        let path = p.segments.iter().map(|s| (s.ident.to_string(), at));
                        self.push_ref(path.collect(), false, false);
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
}

impl<'ast> Visit<'ast> for Reader<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let (attrs, name) = item_attrs_and_name(item);
        if let Some((name, value)) = name {
            let names = if value {
                &mut self.tree.values
            } else {
                &mut self.tree.items
            };
            names.entry(self.module.clone()).or_default().insert(name);
        }
        if let syn::Item::Verbatim(tokens) = item {
            self.scan(tokens.clone(), false);
        }
        let test = is_test(attrs);
        self.test_depth += usize::from(test);
        visit::visit_item(self, item);
        self.test_depth -= usize::from(test);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        let mut child = self.module.clone();
        child.push(item.ident.to_string());
        let at = format!("{}:{}", self.file, line(item.ident.span()));
        self.tree.modules.entry(child.clone()).or_insert(at);
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
        if let Some((_, items)) = &item.content {
            let outer = std::mem::replace(&mut self.module, child);
            for inner in items {
                self.visit_item(inner);
            }
            self.module = outer;
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
        if item.leading_colon.is_some() {
            return; // `use ::name`: an extern crate
        }
        let mut leaves = Vec::new();
        use_leaves(&item.tree, &mut Vec::new(), &mut leaves);
        for leaf in leaves {
            let module = self.module.clone();
            if leaf.glob {
                let globs = self.tree.globs.entry(module).or_default();
                globs.push(leaf.path.clone());
            } else if let Some(name) = leaf.bind {
                let imports = self.tree.imports.entry(module).or_default();
                imports.entry(name).or_insert_with(|| leaf.path.clone());
            }
            self.push_ref(leaf.path, false, false);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.leading_colon.is_none() {
            let written: Written = path
                .segments
                .iter()
                .map(|s| (s.ident.to_string(), line(s.ident.span())))
                .collect();
            let lone = written.len() == 1;
            self.push_ref(written, lone, true);
        }
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_path(&mac.path);
        self.scan(mac.tokens.clone(), false);
    }

    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        if attr.path().is_ident("doc") {
            return;
        }
        if let syn::Meta::List(list) = &attr.meta {
            self.scan(list.tokens.clone(), true);
        }
        visit::visit_attribute(self, attr);
    }

    /// `pub(crate)`, `pub(in crate::tui)`: always an ancestor, no dependency.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}
}

/// Code of module `from` names module `to` at `file:line`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    test_only: bool,
    file: String,
    line: usize,
    from: ModPath,
    to: ModPath,
}

/// Every module each module's code names (not itself or its ancestors).
fn edges(tree: &Tree) -> Vec<Edge> {
    let mut out = BTreeSet::new();
    for r in &tree.refs {
        let resolved = tree.resolve(&r.module, &r.path, r.value);
        if r.lone && !matches!(resolved.target, Some(Found::Item(_))) {
            continue;
        }
        for (to, i) in resolved.hops {
            if r.module.starts_with(&to) {
                continue;
            }
            out.insert(Edge {
                test_only: r.test_only,
                file: r.file.clone(),
                line: r.path[i].1,
                from: r.module.clone(),
                to,
            });
        }
    }
    // An edge seen in normal code need not be listed again for test code.
    let normal: BTreeSet<_> = out
        .iter()
        .filter(|e| !e.test_only)
        .map(|e| (e.file.clone(), e.line, e.from.clone(), e.to.clone()))
        .collect();
    out.into_iter()
        .filter(|e| {
            !e.test_only
                || !normal.contains(&(e.file.clone(), e.line, e.from.clone(), e.to.clone()))
        })
        .collect()
}

/// A top-level module in no layer, or code of one naming a module of its own
/// layer or above.
fn layer_problems(tree: &Tree, edges: &[Edge]) -> Vec<String> {
    let mut problems = Vec::new();
    for (module, at) in &tree.modules {
        if let [name] = module.as_slice()
            && layer_of(name).is_none()
        {
            problems.push(format!(
                "{at}: module `{name}` is in no layer of tests/layers.rs"
            ));
        }
    }
    let mut by_place = BTreeSet::new();
    for e in edges {
        let (Some(a), Some(b)) = (e.from.first(), e.to.first()) else {
            continue;
        };
        let (Some(mine), Some(theirs)) = (layer_of(a), layer_of(b)) else {
            continue; // in no layer: said above
        };
        if a != b && theirs >= mine {
            by_place.insert((e.file.clone(), e.line, a.clone(), mine, b.clone(), theirs));
        }
    }
    for (file, line, a, mine, b, theirs) in by_place {
        problems.push(format!(
            "{file}:{line}: `{a}` (layer {mine}) uses `{b}` (layer {theirs})"
        ));
    }
    problems
}

/// Circles between modules of one parent: `crate::tui::app` naming
/// `crate::tui::keys` (or anything inside it) and back. Each circle is named
/// with a place for each of its steps (and how many more there are).
fn cycles(edges: &[Edge]) -> Vec<String> {
    // parent → child → child it names → the places, code before tests.
    type Steps<'a> = BTreeMap<String, BTreeMap<String, Vec<&'a Edge>>>;
    let mut levels: BTreeMap<ModPath, Steps> = BTreeMap::new();
    for e in edges {
        let n = e.from.iter().zip(&e.to).take_while(|(a, b)| a == b).count();
        if e.from.len() > n && e.to.len() > n {
            levels
                .entry(e.from[..n].to_vec())
                .or_default()
                .entry(e.from[n].clone())
                .or_default()
                .entry(e.to[n].clone())
                .or_default()
                .push(e);
        }
    }
    let mut out = Vec::new();
    for (parent, steps) in &levels {
        let mut found = BTreeSet::new();
        for start in steps.keys() {
            if let Some(circle) = shortest_circle(steps, start) {
                // The same circle from each of its modules: keep one.
                let least = (0..circle.len()).min_by_key(|&i| &circle[i]).unwrap_or(0);
                let mut turned = circle[least..].to_vec();
                turned.extend_from_slice(&circle[..least]);
                found.insert(turned);
            }
        }
        for circle in found {
            let name = |m: &String| {
                let mut path = parent.clone();
                path.push(m.clone());
                show(&path)
            };
            let mut names: Vec<String> = circle.iter().map(name).collect();
            names.push(name(&circle[0]));
            let mut text = format!("module cycle: {}", names.join(" → "));
            let mut only_tests = true;
            for (k, a) in circle.iter().enumerate() {
                let b = &circle[(k + 1) % circle.len()];
                let places = &steps[a][b];
                let e = places[0];
                only_tests &= e.test_only;
                let mut step = format!(
                    "\n    {}:{}: `{}` uses `{}`",
                    e.file,
                    e.line,
                    show(&e.from),
                    show(&e.to)
                );
                if e.test_only {
                    step.push_str(" (test code)");
                }
                if places.len() > 1 {
                    step.push_str(&format!(" (and {} more)", places.len() - 1));
                }
                text.push_str(&step);
            }
            if only_tests {
                text.push_str("\n    (only through #[cfg(test)] code)");
            }
            out.push(text);
        }
    }
    out
}

/// The shortest way from `start` back to itself, as the modules on it.
fn shortest_circle(
    steps: &BTreeMap<String, BTreeMap<String, Vec<&Edge>>>,
    start: &String,
) -> Option<Vec<String>> {
    let mut came_from: BTreeMap<&String, &String> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(at) = queue.pop_front() {
        for next in steps.get(at).into_iter().flat_map(|s| s.keys()) {
            if next == start {
                let mut circle = vec![at.clone()];
                let mut back = at;
                while back != start {
                    back = came_from[back];
                    circle.push(back.clone());
                }
                circle.reverse();
                return Some(circle);
            }
            if !came_from.contains_key(next) {
                came_from.insert(next, at);
                queue.push_back(next);
            }
        }
    }
    None
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The files of `src/`, as `("src/tui/app.rs", text)`.
fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(root).unwrap();
            let rel: Vec<_> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect();
            (rel.join("/"), std::fs::read_to_string(f).unwrap())
        })
        .collect()
}

#[test]
fn layers_only_point_down() {
    let tree = read_tree(&sources());
    let edges = edges(&tree);
    let problems = layer_problems(&tree, &edges);
    assert!(
        problems.is_empty(),
        "imports that point up or sideways:\n{}",
        problems.join("\n")
    );
    assert!(
        edges.iter().any(|e| e.from.len() == 1 && e.to.len() == 1),
        "no imports between modules were read from src/"
    );
}

#[test]
fn no_module_cycles() {
    let tree = read_tree(&sources());
    let cycles = cycles(&edges(&tree));
    assert!(
        cycles.is_empty(),
        "modules of one parent that import each other:\n{}",
        cycles.join("\n")
    );
}

/// The checker on a made-up library: `src/lib.rs` declares every module of
/// `LAYERS` (after the lines a fixture gives it); the files are the fixture's.
fn fixture(files: &[(&str, &str)]) -> (Tree, Vec<Edge>) {
    let mods: String = LAYERS
        .iter()
        .flat_map(|l| l.iter())
        .map(|m| format!("pub mod {m};\n"))
        .collect();
    let lib = files
        .iter()
        .find(|(p, _)| *p == "src/lib.rs")
        .map_or("", |f| f.1);
    let mut all = vec![("src/lib.rs".to_string(), format!("{lib}\n{mods}"))];
    all.extend(
        files
            .iter()
            .filter(|(p, _)| *p != "src/lib.rs")
            .map(|(p, t)| (p.to_string(), t.to_string())),
    );
    let tree = read_tree(&all);
    let edges = edges(&tree);
    (tree, edges)
}

fn problems(files: &[(&str, &str)]) -> Vec<String> {
    let (tree, edges) = fixture(files);
    let mut problems = layer_problems(&tree, &edges);
    problems.extend(cycles(&edges));
    problems
}

/// The fixture's edges between modules as `file:line from → to`.
fn edge_list(files: &[(&str, &str)]) -> Vec<String> {
    let (_, edges) = fixture(files);
    edges
        .iter()
        .map(|e| format!("{}:{} {} → {}", e.file, e.line, show(&e.from), show(&e.to)))
        .collect()
}

#[test]
fn the_checker_sees_groups_and_paths() {
    // A `use` across lines.
    assert_eq!(
        problems(&[(
            "src/store/mod.rs",
            "//! The store.\nuse crate::{\n    tui::app::App,\n};\n"
        )]),
        ["src/store/mod.rs:3: `store` (layer 3) uses `tui` (layer 11)"]
    );
    // Up through `super::super`.
    assert_eq!(
        problems(&[("src/platforms/github.rs", "use super::super::cli;\n")]),
        ["src/platforms/github.rs:1: `platforms` (layer 4) uses `cli` (layer 12)"]
    );
    // The second name of a group; the first is fine.
    assert_eq!(
        problems(&[(
            "src/platforms/x.rs",
            "use std::fmt;\nuse crate::{model::Account, poller};\n"
        )]),
        ["src/platforms/x.rs:2: `platforms` (layer 4) uses `poller` (layer 6)"]
    );
    // Nested groups, a glob, a rename, `self` in a group.
    assert_eq!(
        problems(&[(
            "src/model.rs",
            "use crate::{util::{self, ts}, text::{Slug as S, *}, config::{self as c}};\n"
        )]),
        [
            "src/model.rs:1: `model` (layer 1) uses `config` (layer 5)",
            "src/model.rs:1: `model` (layer 1) uses `text` (layer 2)",
        ]
    );
    // Paths in a function body, a type, a pattern, a trait bound, a struct
    // expression and an attribute; a path split over lines.
    let body = "pub fn f() {\n    crate::tui::run();\n}\n\
                fn g(_: crate::cli::Args) {}\n\
                fn h(x: X) { let crate::demo::Demo { .. } = x; }\n\
                fn i<T: crate::boot::Boot>() {}\n\
                fn j() { let _ = crate::alerts::Alert { x: 1 }; }\n\
                #[serde(with = \"crate::export::ts\")]\n\
                struct K;\n\
                fn l() { crate::\n    metrics::m() }\n"; // `metrics` on line 11
    assert_eq!(
        problems(&[("src/store/mod.rs", body)]),
        [
            "src/store/mod.rs:2: `store` (layer 3) uses `tui` (layer 11)",
            "src/store/mod.rs:4: `store` (layer 3) uses `cli` (layer 12)",
            "src/store/mod.rs:5: `store` (layer 3) uses `demo` (layer 10)",
            "src/store/mod.rs:6: `store` (layer 3) uses `boot` (layer 8)",
            "src/store/mod.rs:7: `store` (layer 3) uses `alerts` (layer 7)",
            "src/store/mod.rs:8: `store` (layer 3) uses `export` (layer 7)",
            "src/store/mod.rs:11: `store` (layer 3) uses `metrics` (layer 7)",
        ]
    );
}

#[test]
fn the_checker_sees_macros() {
    let body = "fn f() {\n    let s = format!(\"{}\", crate::tui::NAME);\n    \
                assert!(matches!(x, $crate::cli::Cmd::Run));\n}\n\
                macro_rules! m { () => { $crate::config::load() } }\n";
    assert_eq!(
        problems(&[("src/store/mod.rs", body)]),
        [
            "src/store/mod.rs:2: `store` (layer 3) uses `tui` (layer 11)",
            "src/store/mod.rs:3: `store` (layer 3) uses `cli` (layer 12)",
            "src/store/mod.rs:5: `store` (layer 3) uses `config` (layer 5)",
        ]
    );
    // The macro's own path.
    assert_eq!(
        problems(&[("src/util.rs", "fn f() { crate::model::row!(1); }\n")]),
        ["src/util.rs:1: `util` (layer 0) uses `model` (layer 1)"]
    );
}

#[test]
fn the_checker_sees_relative_paths_and_reexports() {
    // `self::` through an import.
    assert_eq!(
        problems(&[(
            "src/store/mod.rs",
            "use crate::tui as view;\nfn f() {\n    self::view::run();\n}\n"
        )]),
        [
            "src/store/mod.rs:1: `store` (layer 3) uses `tui` (layer 11)",
            "src/store/mod.rs:3: `store` (layer 3) uses `tui` (layer 11)",
        ]
    );
    // A re-export is a use.
    assert_eq!(
        problems(&[("src/store/mod.rs", "pub use crate::tui::App;\n")]),
        ["src/store/mod.rs:1: `store` (layer 3) uses `tui` (layer 11)"]
    );
    // A re-export is followed: the root re-exports a view, the store takes it
    // from the root.
    assert_eq!(
        problems(&[
            ("src/lib.rs", "pub use tui::App as Ui;"),
            ("src/store/mod.rs", "fn f(_: crate::Ui) {}\n"),
        ]),
        ["src/store/mod.rs:1: `store` (layer 3) uses `tui` (layer 11)"]
    );
    // And so is a glob of one.
    assert_eq!(
        problems(&[
            ("src/lib.rs", "pub use tui::*;"),
            ("src/tui/mod.rs", "pub struct App;\n"),
            ("src/store/mod.rs", "use crate::App;\n"),
        ]),
        ["src/store/mod.rs:1: `store` (layer 3) uses `tui` (layer 11)"]
    );
    // Edition 2024: in `tui/mod.rs`, `app::` is the child module; in
    // `tui/keys.rs` it is an extern crate (the sibling is not in scope)
    // unless imported.
    let tui = [
        (
            "src/tui/mod.rs",
            "pub mod app;\npub mod keys;\nuse app::App;\n",
        ),
        ("src/tui/app.rs", "pub struct App;\n"),
        ("src/tui/keys.rs", "use app::App;\n"),
        ("src/tui/help.rs", "use super::app;\nfn f() { app::App; }\n"),
        ("src/tui/ui.rs", "use super::*;\nfn f(_: App) {}\n"),
    ];
    assert_eq!(
        edge_list(&tui),
        [
            "src/tui/help.rs:1 crate::tui::help → crate::tui::app",
            "src/tui/help.rs:2 crate::tui::help → crate::tui::app",
            "src/tui/mod.rs:3 crate::tui → crate::tui::app",
            "src/tui/ui.rs:2 crate::tui::ui → crate::tui::app",
        ]
    );
    // A function and an imported module of one name: a call is the function.
    assert_eq!(
        edge_list(&[
            (
                "src/tracking.rs",
                "use crate::effort;
pub fn effort() {}
"
            ),
            (
                "src/metrics.rs",
                "fn f() {
    crate::tracking::effort();
}
"
            ),
        ]),
        [
            "src/metrics.rs:2 crate::metrics → crate::tracking",
            "src/tracking.rs:1 crate::tracking → crate::effort",
        ]
    );
}

#[test]
fn legal_imports_pass() {
    let files = [
        (
            "src/platforms/x.rs",
            "use crate::{\n    model::Account,\n    http,\n};\nuse super::json;\n\
             fn f() { crate::util::ts(1); let _ = format!(\"{}\", crate::text::x()); }\n",
        ),
        ("src/platforms/mod.rs", "mod json;\nmod x;\npub use x::X;\n"),
        ("src/platforms/json.rs", "use std::fmt;\n"),
        (
            "src/cli/mod.rs",
            "use crate::{tui, demo::Demo};\nuse self::out::*;\nmod out;\n",
        ),
        ("src/cli/out.rs", "use super::super::store::Store;\n"),
        (
            "src/tui/mod.rs",
            "pub mod app;\nuse crate::service::Service;\n",
        ),
        ("src/tui/app.rs", "use super::super::model;\n"),
    ];
    assert_eq!(problems(&files), Vec::<String>::new());
    assert!(!edge_list(&files).is_empty());
}

#[test]
fn the_checker_finds_cycles() {
    let tui = [
        (
            "src/tui/mod.rs",
            "pub mod app;\npub mod keys;\npub mod ui;\npub use app::App;\n",
        ),
        ("src/tui/app.rs", "use super::keys::{self, Action};\n"),
        ("src/tui/keys.rs", "//! Keys.\nfn f(_: super::App) {}\n"),
        ("src/tui/ui.rs", "use super::{app, keys};\n"),
    ];
    assert_eq!(
        problems(&tui),
        [
            "module cycle: crate::tui::app → crate::tui::keys → crate::tui::app\n    \
          src/tui/app.rs:1: `crate::tui::app` uses `crate::tui::keys`\n    \
          src/tui/keys.rs:2: `crate::tui::keys` uses `crate::tui::app`"
        ]
    );
    // Inline modules, and a circle of three.
    let inline = "mod a { fn f() { super::b::g() } }\n\
                  mod b { pub fn g() { crate::tui::c::h() } }\n\
                  mod c { pub fn h() { use super::a::*; } }\n";
    let found = problems(&[("src/tui/mod.rs", inline)]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with(
            "module cycle: crate::tui::a → crate::tui::b → crate::tui::c → crate::tui::a\n    \
             src/tui/mod.rs:1: "
        ),
        "{found:#?}"
    );
    // One way only is no circle.
    let one_way = [
        ("src/tui/mod.rs", "pub mod app;\npub mod keys;\n"),
        ("src/tui/app.rs", "use super::keys::Action;\n"),
        (
            "src/tui/keys.rs",
            "#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
        ),
    ];
    assert_eq!(problems(&one_way), Vec::<String>::new());
}

#[test]
fn every_module_needs_a_layer() {
    assert_eq!(
        problems(&[("src/lib.rs", "pub mod gadgets;")]),
        ["src/lib.rs:1: module `gadgets` is in no layer of tests/layers.rs"]
    );
    // A file is a module even if nothing declares it.
    assert_eq!(
        problems(&[("src/widgets/mod.rs", "")]),
        ["src/widgets/mod.rs:1: module `widgets` is in no layer of tests/layers.rs"]
    );
}
