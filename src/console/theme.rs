//! Colours and glyphs. The default uses the 16 ANSI colours on the terminal's
//! own background (never a painted background); `NO_COLOR` turns every colour
//! off and leaves bold/reverse/underline, which carry the same meaning; the
//! 256-colour theme picks shades readable on light and dark backgrounds. State
//! is never shown by colour alone: every status also has a glyph or a word.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    /// The 256-colour palette instead of the 16 ANSI colours.
    pub indexed: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            color: true,
            indexed: false,
        }
    }
}

impl Theme {
    pub fn no_color() -> Self {
        Theme {
            color: false,
            indexed: false,
        }
    }

    /// 256 colours chosen to read on light and dark backgrounds alike
    /// (contrast at least 3:1 against both white and black).
    pub fn color256() -> Self {
        Theme {
            color: true,
            indexed: true,
        }
    }

    /// The 256-colour stand-in for an ANSI colour.
    fn indexed(c: Color) -> Color {
        match c {
            Color::Cyan => Color::Indexed(31),
            Color::Yellow => Color::Indexed(130),
            Color::Green => Color::Indexed(28),
            Color::Red => Color::Indexed(160),
            Color::Magenta => Color::Indexed(127),
            Color::DarkGray => Color::Indexed(244),
            other => other,
        }
    }

    /// The theme a config or flag names (`NO_COLOR` was folded in by the config).
    pub fn from_name(name: crate::cli::ThemeName) -> Self {
        match name {
            crate::cli::ThemeName::Mono => Theme::no_color(),
            crate::cli::ThemeName::Color256 => Theme::color256(),
            crate::cli::ThemeName::Default => Theme::default(),
        }
    }

    /// `NO_COLOR` set to any non-empty value turns colour off (no-color.org).
    pub fn from_env_value(no_color: Option<&str>) -> Self {
        match no_color {
            Some(v) if !v.is_empty() => Theme::no_color(),
            _ => Theme::default(),
        }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color && self.indexed {
            Style::new().fg(Theme::indexed(c))
        } else if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn normal(&self) -> Style {
        Style::new()
    }
    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray)
    }
    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn header(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.dim()
        }
    }
    /// The row under the cursor: reversed, so it shows without colour too.
    pub fn selected(&self, focused: bool) -> Style {
        if focused {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED)
        }
    }
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn bad(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn accent(&self) -> Style {
        self.fg(Color::Magenta)
    }
    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
}

pub const GLYPH_OK: &str = "✓";
pub const GLYPH_BAD: &str = "✗";
pub const GLYPH_MARK: &str = "●";
pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
