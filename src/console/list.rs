//! `FilteredList`: the rows of a pane, the rows that match its filter, the
//! order they are shown in, the cursor and the scroll offset. The accounts
//! pane and the users pane both use it, so paging, filtering, sorting and
//! movement behave the same everywhere.
//!
//! The filter is a predicate over a row and its lower-cased key (the accounts
//! pane: a substring of the name; the users pane: the filter language of
//! [`crate::filter`]). The order is the load order until [`FilteredList::sort_by`]
//! sorts it (stable); rows that arrive later are merged into the order.

use std::cmp::Ordering;

/// The order of two rows under a sort.
pub type RowOrder<'a, T> = &'a dyn Fn(&T, &T) -> Ordering;

/// Rows plus the indices of the rows that match the filter, in display order.
#[derive(Debug, Clone, Default)]
pub struct FilteredList<T> {
    items: Vec<T>,
    /// Lower-cased filter key of each item (email and name for users, name for accounts).
    keys: Vec<String>,
    /// Whether each item matches the filter.
    matched: Vec<bool>,
    /// Every item's index, in display order.
    order: Vec<usize>,
    /// `rank[i]`: the position of item `i` in `order`.
    rank: Vec<usize>,
    /// Indices into `items` of the rows that match, in display order.
    visible: Vec<usize>,
    /// Lower-cased substring filter of [`FilteredList::set_filter`].
    needle: String,
    /// The order is sorted (new rows are merged in, not appended).
    sorted: bool,
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
            matched: Vec::new(),
            order: Vec::new(),
            rank: Vec::new(),
            visible: Vec::new(),
            needle: String::new(),
            sorted: false,
            cursor: 0,
            offset: 0,
        }
    }

    /// Appends rows whose key matches the substring filter.
    pub fn extend(&mut self, rows: impl IntoIterator<Item = (T, String)>) {
        let needle = std::mem::take(&mut self.needle);
        self.extend_by(rows, |_, k| k.contains(&needle), None);
        self.needle = needle;
    }

    /// Appends rows; `pred(row, key)` says which match the filter. While the
    /// list is sorted, `cmp` places them (and must be given).
    pub fn extend_by(
        &mut self,
        rows: impl IntoIterator<Item = (T, String)>,
        pred: impl Fn(&T, &str) -> bool,
        cmp: Option<RowOrder<'_, T>>,
    ) {
        let first = self.items.len();
        for (item, key) in rows {
            let key = key.to_lowercase();
            self.matched.push(pred(&item, &key));
            self.items.push(item);
            self.keys.push(key);
        }
        let fresh = first..self.items.len();
        match cmp {
            Some(cmp) if self.sorted => {
                let selected = self.selected_index();
                let mut new: Vec<usize> = fresh.collect();
                new.sort_by(|&a, &b| cmp(&self.items[a], &self.items[b]));
                // Stable merge: on a tie the row loaded first stays first.
                let old = std::mem::take(&mut self.order);
                let mut merged = Vec::with_capacity(old.len() + new.len());
                let (mut i, mut j) = (0, 0);
                while i < old.len() && j < new.len() {
                    if cmp(&self.items[new[j]], &self.items[old[i]]) == Ordering::Less {
                        merged.push(new[j]);
                        j += 1;
                    } else {
                        merged.push(old[i]);
                        i += 1;
                    }
                }
                merged.extend_from_slice(&old[i..]);
                merged.extend_from_slice(&new[j..]);
                self.order = merged;
                self.reindex(selected);
            }
            _ => {
                for i in fresh {
                    self.order.push(i);
                    self.rank.push(i);
                    if self.matched[i] {
                        self.visible.push(i);
                    }
                }
            }
        }
    }

    /// Sets the substring filter (the accounts pane). A text that extends the
    /// previous one only narrows the current matches.
    pub fn set_filter(&mut self, text: &str) {
        let needle = text.to_lowercase();
        if needle == self.needle {
            return;
        }
        let narrows = needle.contains(&self.needle);
        self.filter_by(narrows, |_, k| k.contains(&needle));
        self.needle = needle;
    }

    /// Applies a new filter. With `narrows` (the new filter can only match
    /// fewer rows, e.g. a longer fragment) only the current matches are
    /// looked at again.
    pub fn filter_by(&mut self, narrows: bool, pred: impl Fn(&T, &str) -> bool) {
        let selected = self.selected_index();
        if narrows {
            let (items, keys, matched) = (&self.items, &self.keys, &mut self.matched);
            self.visible.retain(|&i| {
                let m = pred(&items[i], &keys[i]);
                matched[i] = m;
                m
            });
        } else {
            // One pass in display order: match and collect together.
            let (items, keys, matched) = (&self.items, &self.keys, &mut self.matched);
            let mut visible = Vec::with_capacity(self.visible.len().max(64));
            for &i in &self.order {
                let m = pred(&items[i], &keys[i]);
                matched[i] = m;
                if m {
                    visible.push(i);
                }
            }
            self.visible = visible;
        }
        self.keep_selected(selected);
    }

    /// Sorts every row with `cmp` (stable: equal rows keep their order). The
    /// cursor stays on its row.
    pub fn sort_by(&mut self, cmp: impl Fn(&T, &T) -> Ordering) {
        let selected = self.selected_index();
        let mut order: Vec<usize> = (0..self.items.len()).collect();
        order.sort_by(|&a, &b| cmp(&self.items[a], &self.items[b]));
        self.order = order;
        self.sorted = true;
        self.reindex(selected);
    }

    /// Back to the load order.
    pub fn unsort(&mut self) {
        let selected = self.selected_index();
        self.order = (0..self.items.len()).collect();
        self.sorted = false;
        self.reindex(selected);
    }

    pub fn is_sorted(&self) -> bool {
        self.sorted
    }

    /// Rebuilds `rank` and `visible` from `order`, keeping the cursor's row.
    fn reindex(&mut self, selected: Option<usize>) {
        self.rank.resize(self.order.len(), 0);
        for (pos, &i) in self.order.iter().enumerate() {
            self.rank[i] = pos;
        }
        let matched = &self.matched;
        self.visible = self.order.iter().copied().filter(|&i| matched[i]).collect();
        self.keep_selected(selected);
    }

    /// Puts the cursor back on `selected` if it is still visible.
    fn keep_selected(&mut self, selected: Option<usize>) {
        self.cursor = selected.and_then(|s| self.position(s)).unwrap_or(0);
        self.offset = self.offset.min(self.cursor);
    }

    /// The position in `visible` of item `i`, if it is visible.
    pub fn position(&self, i: usize) -> Option<usize> {
        if i >= self.items.len() || !self.matched[i] {
            return None;
        }
        let rank = &self.rank;
        self.visible
            .binary_search_by_key(&rank[i], |&j| rank[j])
            .ok()
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

    /// Whether item `i` matches the filter.
    pub fn is_visible(&self, i: usize) -> bool {
        self.matched.get(i).copied().unwrap_or(false)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn list(names: &[&str]) -> FilteredList<String> {
        let mut l = FilteredList::new();
        l.extend(names.iter().map(|n| (n.to_string(), n.to_string())));
        l
    }

    fn shown(l: &FilteredList<String>) -> Vec<&str> {
        l.visible().iter().map(|&i| l.items()[i].as_str()).collect()
    }

    #[test]
    fn a_sort_is_stable_keeps_the_cursors_row_and_takes_later_rows_in_place() {
        let mut l = list(&["b1", "a1", "b2", "a2"]);
        l.move_to(2); // b2
        let by_letter = |a: &String, b: &String| a[..1].cmp(&b[..1]);
        l.sort_by(by_letter);
        assert_eq!(shown(&l), ["a1", "a2", "b1", "b2"]);
        assert_eq!(l.selected().map(String::as_str), Some("b2"));
        l.extend_by(
            [
                ("a3".to_string(), "a3".to_string()),
                ("c1".into(), "c1".into()),
            ],
            |_, _| true,
            Some(&by_letter),
        );
        assert_eq!(shown(&l), ["a1", "a2", "a3", "b1", "b2", "c1"]);
        assert_eq!(l.selected().map(String::as_str), Some("b2"));
        l.set_filter("2");
        assert_eq!(shown(&l), ["a2", "b2"]);
        assert_eq!(l.position(3), Some(0)); // "a2" is item 3
        assert_eq!(l.position(2), Some(1));
        assert_eq!(l.position(0), None);
        l.unsort();
        assert_eq!(shown(&l), ["b2", "a2"]);
        assert_eq!(l.selected().map(String::as_str), Some("b2"));
    }

    #[test]
    fn a_narrowing_filter_looks_only_at_the_matches() {
        let mut l = list(&["ana", "anna", "bob"]);
        l.filter_by(false, |_, k| k.contains('n'));
        assert_eq!(shown(&l), ["ana", "anna"]);
        l.filter_by(true, |_, k| k.contains("nn"));
        assert_eq!(shown(&l), ["anna"]);
        assert!(!l.is_visible(0) && l.is_visible(1));
        l.filter_by(false, |_, _| true);
        assert_eq!(shown(&l), ["ana", "anna", "bob"]);
    }
}
