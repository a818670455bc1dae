//! Standard output for the commands. Every write returns its error (never
//! `println!`, which panics when the reader went away), and a failed write
//! becomes a [`StdoutError`]: `cli::main` ends quietly with status 141 (128 +
//! SIGPIPE, what a shell reports for a writer killed by a closed pipe) when the
//! reader closed the pipe (`socialtop status | head -1`), and says
//! `cannot write to standard output: …` with status 1 otherwise (`> /dev/full`).

use std::fmt;
use std::io::{self, BufWriter, Write};

/// The exit status when standard output was closed under us.
pub const BROKEN_PIPE_STATUS: u8 = 141;

/// Writing to standard output failed.
#[derive(Debug)]
pub struct StdoutError {
    pub error: io::Error,
    /// What the user must know although output failed (a write that was done).
    pub note: Option<String>,
}

impl fmt::Display for StdoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.error.to_string();
        // "No space left on device (os error 28)" → "No space left on device"
        let text = text.split(" (os error").next().unwrap_or(&text);
        write!(f, "cannot write to standard output: {text}")?;
        if let Some(note) = &self.note {
            write!(f, "; {note}")?;
        }
        Ok(())
    }
}

impl std::error::Error for StdoutError {}

impl StdoutError {
    pub fn is_broken_pipe(&self) -> bool {
        self.error.kind() == io::ErrorKind::BrokenPipe
    }
}

/// The [`StdoutError`] in an error's chain, if any.
pub fn stdout_error(e: &anyhow::Error) -> Option<&StdoutError> {
    e.chain().find_map(|c| c.downcast_ref::<StdoutError>())
}

/// A writer that remembers the first error of the writer under it, because
/// serializers (serde_json, csv) wrap it in their own error types.
struct Tracked<W> {
    inner: W,
    error: Option<io::Error>,
}

impl<W: Write> Tracked<W> {
    fn note(&mut self, e: io::Error) -> io::Error {
        if self.error.is_none() && e.kind() != io::ErrorKind::Interrupted {
            self.error = Some(match e.raw_os_error() {
                Some(code) => io::Error::from_raw_os_error(code),
                None => io::Error::new(e.kind(), e.to_string()),
            });
        }
        e
    }
}

impl<W: Write> Write for Tracked<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).map_err(|e| self.note(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| self.note(e))
    }
}

/// Runs `f` on buffered standard output and flushes it. Any failure to write
/// is returned as a [`StdoutError`], whatever type `f` wrapped it in.
pub fn with_stdout<T>(f: impl FnOnce(&mut dyn Write) -> anyhow::Result<T>) -> anyhow::Result<T> {
    let mut w = Tracked {
        inner: BufWriter::new(io::stdout().lock()),
        error: None,
    };
    let result = f(&mut w);
    let flushed = w.flush();
    if let Some(error) = w.error.take() {
        return Err(StdoutError { error, note: None }.into());
    }
    let value = result?;
    flushed?;
    Ok(value)
}

/// Writes `text` to standard output and flushes it.
pub fn print(text: &str) -> anyhow::Result<()> {
    with_stdout(|w| Ok(w.write_all(text.as_bytes())?))
}

/// Writes `text` and a newline to standard output and flushes it.
pub fn println(text: &str) -> anyhow::Result<()> {
    with_stdout(|w| {
        w.write_all(text.as_bytes())?;
        Ok(w.write_all(b"\n")?)
    })
}

/// For a confirmation printed after the work was done (`log`, `record`):
/// attaches `note` (e.g. "the entry WAS recorded") to a failure to print it.
pub fn confirm(text: &str, note: &str) -> anyhow::Result<()> {
    println(text).map_err(|e| match e.downcast::<StdoutError>() {
        Ok(mut s) => {
            s.note = Some(note.to_string());
            s.into()
        }
        Err(e) => e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdout_errors_read_plainly() {
        let e = StdoutError {
            error: io::Error::from_raw_os_error(28),
            note: Some("the entry WAS recorded".into()),
        };
        assert_eq!(
            e.to_string(),
            "cannot write to standard output: No space left on device; the entry WAS recorded"
        );
        assert!(!e.is_broken_pipe());
    }

    #[test]
    fn tracked_writer_keeps_the_error_serializers_wrap() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::from(io::ErrorKind::BrokenPipe))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut w = Tracked {
            inner: Full,
            error: None,
        };
        assert!(serde_json::to_writer(&mut w, &[1, 2, 3]).is_err());
        assert_eq!(w.error.map(|e| e.kind()), Some(io::ErrorKind::BrokenPipe));
    }
}
