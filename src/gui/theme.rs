//! Themes and colours that read on a projector: every protocol colour reaches WCAG AA (4.5:1)
//! against every background it is drawn on, and 7:1 in the high-contrast theme.
//!
//! Why computed and not hand-picked: a colour that reads on dark grey fails on white (Socket.IO
//! yellow on white is 1.5:1), and the list draws the same text on plain rows, striped rows and
//! the selected row. So each protocol has one *hue*, and for each theme its text colour is that
//! hue made lighter (dark themes) or darker (light theme) until it clears the threshold on all
//! of that theme's backgrounds. The unit test at the bottom checks the result on every theme.

use super::Theme;
use crate::model::{Protocol, TcpIp};
use eframe::egui::{self, Color32};
use std::sync::OnceLock;

/// WCAG 2 relative luminance of an sRGB colour.
fn luminance(c: Color32) -> f32 {
    let ch = |v: u8| {
        let s = f32::from(v) / 255.0;
        if s <= 0.03928 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * ch(c.r()) + 0.7152 * ch(c.g()) + 0.0722 * ch(c.b())
}

/// WCAG 2 contrast ratio (1 to 21) between two opaque colours.
pub fn contrast(a: Color32, b: Color32) -> f32 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// Mix `c` towards `to` by `t` (0..=1).
fn mix(c: Color32, to: Color32, t: f32) -> Color32 {
    let m = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * t).round() as u8;
    Color32::from_rgb(m(c.r(), to.r()), m(c.g(), to.g()), m(c.b(), to.b()))
}

/// `base` moved towards white (on dark backgrounds) or black (on light ones) just far enough
/// to reach `min` contrast against every colour of `bgs`.
fn readable(base: Color32, bgs: &[Color32], min: f32, dark: bool) -> Color32 {
    let target = if dark { Color32::WHITE } else { Color32::BLACK };
    (0..=40)
        .map(|k| mix(base, target, k as f32 / 40.0))
        .find(|c| bgs.iter().all(|&bg| contrast(*c, bg) >= min))
        .unwrap_or(target)
}

/// The base hue of each protocol (what the legend teaches: TCP orange, HTTP green, ...), from
/// the protocol table.
fn hue(p: Protocol) -> Color32 {
    let [r, g, b] = p.colour();
    Color32::from_rgb(r, g, b)
}

fn tcpip_hue(t: TcpIp) -> Color32 {
    match t {
        TcpIp::Link => Color32::from_rgb(90, 140, 220),
        TcpIp::Internet => Color32::from_rgb(80, 180, 120),
        TcpIp::Transport => Color32::from_rgb(230, 150, 60),
        TcpIp::Application => Color32::from_rgb(230, 90, 140),
    }
}

/// A theme's colours.
#[derive(Debug, Clone)]
pub struct Palette {
    pub visuals: egui::Visuals,
    /// Backgrounds text is drawn on: panels, striped rows, the selected row, text fields.
    pub backgrounds: Vec<Color32>,
    /// The contrast every text colour reaches (4.5, or 7 for high contrast).
    pub min_ratio: f32,
    /// Protocol colours for text and lines, by `Protocol as usize`.
    text: Vec<Color32>,
    /// Protocol colours for filled bands, by `Protocol as usize` (labels on them are black).
    fill: Vec<Color32>,
    tcpip: [Color32; 4],
    /// Accent colours for labels in diagrams (phases, tags) and warnings.
    pub accent: Color32,
    pub tag: Color32,
    pub warn: Color32,
    pub error: Color32,
}

impl Palette {
    /// Colour of a protocol's text and lines.
    pub fn text(&self, p: Protocol) -> Color32 {
        self.text[p as usize]
    }

    /// Colour of a protocol's filled band (black labels read on it).
    pub fn fill(&self, p: Protocol) -> Color32 {
        self.fill[p as usize]
    }

    pub fn tcpip(&self, t: TcpIp) -> Color32 {
        self.tcpip[t as usize]
    }

    fn new(theme: Theme) -> Palette {
        let mut v = match theme {
            Theme::Light => egui::Visuals::light(),
            _ => egui::Visuals::dark(),
        };
        let dark = theme != Theme::Light;
        let min_ratio = if theme == Theme::HighContrast {
            7.0
        } else {
            4.5
        };
        match theme {
            Theme::Dark => {
                // Brighter body text than egui's default grey: a projector washes it out.
                v.widgets.noninteractive.fg_stroke.color = Color32::from_gray(210);
                v.weak_text_color = Some(Color32::from_gray(175));
                v.faint_bg_color = Color32::from_gray(36);
                // A darker selection than egui's, so that every text colour reads on it too.
                v.selection.bg_fill = Color32::from_rgb(0, 70, 105);
            }
            Theme::Light => {
                v.widgets.noninteractive.fg_stroke.color = Color32::from_gray(25);
                v.weak_text_color = Some(Color32::from_gray(80));
                v.faint_bg_color = Color32::from_gray(236);
            }
            Theme::HighContrast => {
                v.override_text_color = Some(Color32::WHITE);
                v.weak_text_color = Some(Color32::from_gray(225));
                v.panel_fill = Color32::BLACK;
                v.window_fill = Color32::BLACK;
                v.extreme_bg_color = Color32::BLACK;
                v.faint_bg_color = Color32::from_gray(14);
                v.selection.bg_fill = Color32::from_rgb(0, 40, 110);
                v.selection.stroke.color = Color32::WHITE;
            }
        }
        let backgrounds = vec![
            v.panel_fill,
            v.window_fill,
            v.faint_bg_color,
            v.extreme_bg_color,
            v.selection.bg_fill,
        ];
        let text = Protocol::ALL
            .iter()
            .map(|&p| readable(hue(p), &backgrounds, min_ratio, dark))
            .collect();
        // Bands carry black labels: make each fill light enough for them.
        let fill = Protocol::ALL
            .iter()
            .map(|&p| readable(hue(p), &[Color32::BLACK], min_ratio, true))
            .collect();
        let tcpip = TcpIp::ALL.map(|t| readable(tcpip_hue(t), &backgrounds, min_ratio, dark));
        let accent = readable(
            Color32::from_rgb(200, 190, 90),
            &backgrounds,
            min_ratio,
            dark,
        );
        let tag = readable(
            Color32::from_rgb(60, 150, 230),
            &backgrounds,
            min_ratio,
            dark,
        );
        let warn = readable(
            Color32::from_rgb(240, 150, 50),
            &backgrounds,
            min_ratio,
            dark,
        );
        let error = readable(
            Color32::from_rgb(235, 70, 70),
            &backgrounds,
            min_ratio,
            dark,
        );
        Palette {
            visuals: v,
            backgrounds,
            min_ratio,
            text,
            fill,
            tcpip,
            accent,
            tag,
            warn,
            error,
        }
    }
}

/// The theme the window uses now (set every frame; views read their colours through it).
static CURRENT: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Set the theme the views draw with.
pub fn set_current(theme: Theme) {
    CURRENT.store(theme as u8, std::sync::atomic::Ordering::Relaxed);
}

/// The palette of the theme the window uses now.
pub fn current() -> &'static Palette {
    palette(match CURRENT.load(std::sync::atomic::Ordering::Relaxed) {
        1 => Theme::Light,
        2 => Theme::HighContrast,
        _ => Theme::Dark,
    })
}

/// The palette of `theme` (made once).
pub fn palette(theme: Theme) -> &'static Palette {
    static DARK: OnceLock<Palette> = OnceLock::new();
    static LIGHT: OnceLock<Palette> = OnceLock::new();
    static HIGH: OnceLock<Palette> = OnceLock::new();
    let cell = match theme {
        Theme::Dark => &DARK,
        Theme::Light => &LIGHT,
        Theme::HighContrast => &HIGH,
    };
    cell.get_or_init(|| Palette::new(theme))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_matches_wcag_examples() {
        assert!((contrast(Color32::BLACK, Color32::WHITE) - 21.0).abs() < 0.01);
        assert!((contrast(Color32::WHITE, Color32::WHITE) - 1.0).abs() < 0.01);
        // The review's measurement: Socket.IO yellow on white is about 1.5:1.
        let y = hue(Protocol::SocketIo);
        assert!(contrast(y, Color32::WHITE) < 1.7);
    }

    #[test]
    fn every_colour_reads_on_every_background_of_every_theme() {
        for theme in [Theme::Dark, Theme::Light, Theme::HighContrast] {
            let pal = palette(theme);
            let min = if theme == Theme::HighContrast {
                7.0
            } else {
                4.5
            };
            assert_eq!(pal.min_ratio, min);
            let mut texts: Vec<(String, Color32)> = Protocol::ALL
                .iter()
                .map(|p| (format!("{p:?}"), pal.text(*p)))
                .collect();
            texts.extend(TcpIp::ALL.map(|t| (format!("{t:?}"), pal.tcpip(t))));
            texts.extend([
                ("accent".into(), pal.accent),
                ("tag".into(), pal.tag),
                ("warn".into(), pal.warn),
                ("error".into(), pal.error),
                ("body text".into(), pal.visuals.text_color()),
                ("weak text".into(), pal.visuals.weak_text_color()),
            ]);
            for (name, c) in &texts {
                for bg in &pal.backgrounds {
                    let r = contrast(*c, *bg);
                    assert!(r >= min, "{theme:?}: {name} {c:?} on {bg:?} is {r:.2}:1");
                }
            }
            for &p in Protocol::ALL {
                let r = contrast(pal.fill(p), Color32::BLACK);
                assert!(r >= min, "{theme:?}: black on the {p:?} band is {r:.2}:1");
            }
        }
    }

    #[test]
    fn hues_stay_recognisable() {
        // The light theme darkens Socket.IO's yellow, it does not turn it black.
        let c = palette(Theme::Light).text(Protocol::SocketIo);
        assert!(c.r() > c.b() && c.g() > c.b(), "{c:?} is still a yellow");
        assert_ne!(c, Color32::BLACK);
    }
}
