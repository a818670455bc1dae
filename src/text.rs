//! Outside text is data. Every string that comes from outside (API bodies and
//! headers, import files, config labels) passes through [`clean`] where it
//! enters, so no control character or escape sequence reaches a terminal, a log
//! or a file. Each writer then escapes for its own format ([`csv_cell`],
//! [`md_cell`]; JSON and XML writers escape by construction).

use std::borrow::Cow;

/// Removes terminal escape sequences (CSI, OSC, DCS and the like), C0 control
/// characters but tab, DEL and C1 controls, and the bidirectional overrides
/// that can make text read differently than it is. Line breaks become spaces.
pub fn clean(text: &str) -> String {
    if !text.chars().any(is_hazard) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI / OSC / DCS / SOS / PM / APC introducers, as single characters
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if is_hazard(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// [`clean`] line by line, keeping the line breaks (a multi-line message).
pub fn clean_lines(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| match line.strip_suffix('\n') {
            Some(l) => clean(l) + "\n",
            None => clean(line),
        })
        .collect()
}

/// Whether `c` must not reach a terminal: controls (but tab), DEL, C1,
/// bidirectional marks, embeddings, overrides and isolates (the Arabic letter
/// mark too), the line and paragraph separators, the byte-order mark and
/// the invisible tag characters.
fn is_hazard(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(
            c,
            '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{061c}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{feff}'
                | '\u{e0000}'..='\u{e007f}'
        )
}

/// `text` in Unicode normalization form C: an id typed with a precomposed
/// `é` and one written `e` + combining accent are the same id.
pub fn nfc(text: &str) -> String {
    icu_normalizer::ComposingNormalizerBorrowed::new_nfc()
        .normalize(text)
        .into_owned()
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // two-character sequences (ESC c, ESC 7, ESC ( B ...): drop intermediates too
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            chars.next();
        }
        _ => {}
    }
}

/// CSI: parameters and intermediates up to a final byte in `@`..`~`.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// OSC / DCS and friends: up to BEL, ST (`ESC \`) or C1 ST.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

/// [`clean`], then cut to `max` characters with an ellipsis, and trimmed.
pub fn short(text: &str, max: usize) -> String {
    let cleaned = clean(text);
    let t = cleaned.trim();
    if t.chars().count() <= max {
        return t.to_string();
    }
    let mut s: String = t.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// The `<title>` of an HTML page, cleaned and with the common entities
/// decoded; `None` when there is none.
pub fn html_title(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let raw = body.get(start..end)?;
    let decoded = raw
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&nbsp;", " ");
    let words: Vec<&str> = decoded.split_whitespace().collect();
    let title = short(&words.join(" "), 100);
    (!title.is_empty()).then_some(title)
}

/// Whether a body looks like an HTML page rather than an API answer.
pub fn looks_like_html(body: &str) -> bool {
    let t = body.trim_start().get(..200).unwrap_or(body.trim_start());
    let t = t.to_ascii_lowercase();
    t.starts_with("<!doctype html")
        || t.starts_with("<html")
        || t.contains("<head")
        || t.contains("<title")
}

/// A CSV text cell that a spreadsheet would read as a formula (`=`, `+`, `-`,
/// `@`, tab or CR first) gets a leading `'` (OWASP's advice). Numbers written
/// as numbers never pass through here.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// Text for one Markdown table cell: no line breaks, and the characters that
/// would end the cell or start markup (`|`, `\`, `` ` ``, `*`, `_`, `[`, `]`,
/// `<`, `>`) escaped.
pub fn md_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in clean(text).chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_and_line_breaking_characters_go() {
        let hostile = "a\u{061c}b\u{feff}c\u{e0041}\u{e007f}d\u{2028}e\u{2029}f";
        assert_eq!(clean(hostile), "abcd e f");
        // accents stay
        assert_eq!(clean("caf\u{e9} e\u{301}"), "caf\u{e9} e\u{301}");
        assert_eq!(nfc("e\u{301}"), "\u{e9}");
    }

    #[test]
    fn escape_sequences_and_controls_are_removed() {
        let hostile =
            "boom\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}]52;c;SGVsbG8=\u{7}done\u{0}\u{7f}\u{85}!";
        assert_eq!(clean(hostile), "boomdone!");
        assert_eq!(clean("a\u{1b}[31mred\u{1b}[0m"), "ared");
        assert_eq!(clean("two\nlines\r\n"), "two lines ");
        assert_eq!(clean("tab\tstays"), "tab\tstays");
        assert_eq!(clean("\u{202e}evil"), "evil");
        assert_eq!(clean("\u{1b}P1;2|payload\u{1b}\\after"), "after");
        assert_eq!(clean("\u{9b}2Jc1"), "c1");
        assert_eq!(clean("plain ünïcödé ✓"), "plain ünïcödé ✓");
    }

    #[test]
    fn titles_are_read_from_html_pages() {
        let page = "<!DOCTYPE html><html><head><TITLE>\n  Blocked by network\n security &amp; policy</title></head><body>...</body></html>";
        assert!(looks_like_html(page));
        assert_eq!(
            html_title(page).as_deref(),
            Some("Blocked by network security & policy")
        );
        assert_eq!(html_title("<html><body>no title</body></html>"), None);
        assert_eq!(
            html_title("<title>\u{1b}]0;x\u{7}Just a moment...</title>").as_deref(),
            Some("Just a moment...")
        );
    }

    #[test]
    fn writers_escape_for_their_format() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("alice"), "alice");
        assert_eq!(
            md_cell("a|b\nc <b>*x*</b>"),
            "a\\|b c &lt;b&gt;\\*x\\*&lt;/b&gt;"
        );
        assert_eq!(short("  abcdefgh  ", 5), "abcd…");
    }
}
