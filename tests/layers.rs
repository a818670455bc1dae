//! The house points one way: every top-level module of `src/` may import only
//! modules of a lower layer. A circle, or a module reaching up (a platform
//! into the config, the store into a view, the dashboard into `cli`), fails here
//! with the file and line. `cargo test layers` runs just this.

use std::collections::BTreeMap;
use std::path::Path;

/// Layers from the bottom. A module may use modules of lower layers only.
const LAYERS: &[&[&str]] = &[
    &["util"],
    &["model"],
    &["text", "logging"],
    &["http", "store", "effort"],
    &["platforms"],
    &["config"],
    &["poller", "lease", "status", "tracking", "import"],
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

/// The top-level module a file of `src/` belongs to (`src/tui/app.rs` → `tui`).
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "main").then(|| name.to_string())
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::name` a line mentions, including inside `use crate::{a, b}`.
fn crate_refs(line: &str) -> Vec<String> {
    let mut refs = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    refs.push(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            refs.push(name);
        }
    }
    refs
}

#[test]
fn layers_only_point_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut problems = Vec::new();
    let mut edges: BTreeMap<(String, String), String> = BTreeMap::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let Some(module) = module_of(rel) else {
            continue;
        };
        let Some(mine) = layer_of(&module) else {
            problems.push(format!(
                "src/{}: module `{module}` is in no layer of tests/layers.rs",
                rel.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for target in crate_refs(line) {
                if target == module {
                    continue;
                }
                let Some(theirs) = layer_of(&target) else {
                    continue; // a re-exported item, not a module
                };
                edges
                    .entry((module.clone(), target.clone()))
                    .or_insert_with(|| format!("src/{}:{}", rel.display(), n + 1));
                if theirs >= mine {
                    problems.push(format!(
                        "src/{}:{}: `{module}` (layer {mine}) uses `{target}` (layer {theirs})",
                        rel.display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "imports that point up or sideways:\n{}",
        problems.join("\n")
    );
    assert!(
        !edges.is_empty(),
        "no imports were read from {}",
        src.display()
    );
}

#[test]
fn the_checker_sees_groups_and_paths() {
    assert_eq!(
        crate_refs("use crate::{config, store::Store};"),
        ["config", "store"]
    );
    assert_eq!(
        crate_refs("let x = crate::util::ts(1); crate::tui::run();"),
        ["util", "tui"]
    );
}
