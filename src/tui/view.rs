//! The dashboard's views: what the keymap, the app and the drawing agree on.

/// The views `Tab` cycles through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The accounts table, with the selected account's detail below when there is room.
    Accounts,
    /// The selected account's detail, full size.
    Detail,
    /// Time spent against audience size: the effort verdict.
    Effort,
    /// Who followed and who left the selected account.
    People,
    /// The alerts that fired, newest first (`a`; not in the Tab cycle).
    Alerts,
}

impl View {
    pub const ALL: [View; 4] = [View::Accounts, View::Detail, View::Effort, View::People];

    pub fn title(self) -> &'static str {
        match self {
            View::Accounts => "Accounts",
            View::Detail => "Detail",
            View::Effort => "Effort",
            View::People => "People",
            View::Alerts => "Alerts",
        }
    }
}
