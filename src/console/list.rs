//! `FilteredList`: the rows of a pane, a case-insensitive substring filter
//! over one key per row, the cursor and the scroll offset. The accounts pane
//! and the users pane both use it, so paging, filtering and movement behave
//! the same everywhere.

/// Rows plus the indices of the rows that match the filter, in row order.
#[derive(Debug, Clone, Default)]
pub struct FilteredList<T> {
    items: Vec<T>,
    /// Lower-cased filter key of each item (email for users, name for accounts).
    keys: Vec<String>,
    /// Indices into `items` of the rows that match `needle`, ascending.
    visible: Vec<usize>,
    /// Lower-cased filter text; empty means every row.
    needle: String,
    /// Position of the cursor in `visible`.
    pub cursor: usize,
    /// First visible row shown on screen (index into `visible`).
    pub offset: usize,
}

impl<T> FilteredList<T> {
    pub fn new() -> Self {
        FilteredList {
            items: Vec::new(),
            keys: Vec::new(),
            visible: Vec::new(),
            needle: String::new(),
            cursor: 0,
            offset: 0,
        }
    }

    /// Appends rows; those matching the filter join the visible list.
    pub fn extend(&mut self, rows: impl IntoIterator<Item = (T, String)>) {
        for (item, key) in rows {
            let key = key.to_lowercase();
            if key.contains(&self.needle) {
                self.visible.push(self.items.len());
            }
            self.items.push(item);
            self.keys.push(key);
        }
    }

    /// Sets the filter text. A text that extends the previous one only
    /// narrows the current matches instead of scanning every row again.
    pub fn set_filter(&mut self, text: &str) {
        let needle = text.to_lowercase();
        if needle == self.needle {
            return;
        }
        let selected = self.selected_index();
        if needle.contains(&self.needle) && !self.needle.is_empty() {
            let keys = &self.keys;
            self.visible.retain(|&i| keys[i].contains(&needle));
        } else if needle.is_empty() {
            self.visible = (0..self.items.len()).collect();
        } else {
            self.visible = self
                .keys
                .iter()
                .enumerate()
                .filter(|(_, k)| k.contains(&needle))
                .map(|(i, _)| i)
                .collect();
        }
        self.needle = needle;
        // Keep the selected row under the cursor when it is still visible.
        self.cursor = selected
            .and_then(|s| self.visible.binary_search(&s).ok())
            .unwrap_or(0);
        self.offset = self.offset.min(self.cursor);
    }

    pub fn needle(&self) -> &str {
        &self.needle
    }

    pub fn items(&self) -> &[T] {
        &self.items
    }

    pub fn items_mut(&mut self) -> &mut [T] {
        &mut self.items
    }

    pub fn visible(&self) -> &[usize] {
        &self.visible
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    /// Index into `items` of the row under the cursor.
    pub fn selected_index(&self) -> Option<usize> {
        self.visible.get(self.cursor).copied()
    }

    pub fn selected(&self) -> Option<&T> {
        self.selected_index().map(|i| &self.items[i])
    }

    /// Moves the cursor by `delta` rows, clamped to the visible rows.
    pub fn move_by(&mut self, delta: isize) {
        let last = self.visible.len().saturating_sub(1);
        let target = (self.cursor as isize).saturating_add(delta);
        self.cursor = target.clamp(0, last as isize) as usize;
    }

    pub fn move_to(&mut self, pos: usize) {
        self.cursor = pos.min(self.visible.len().saturating_sub(1));
    }

    /// Adjusts the scroll offset so the cursor is on a screen of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + height {
            self.offset = self.cursor + 1 - height;
        }
        let max_offset = self.visible.len().saturating_sub(height);
        self.offset = self.offset.min(max_offset);
    }
}
