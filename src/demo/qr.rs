//! QR codes of the students' address (`--listen-lan`), so phones join by scanning the
//! projector or the teacher's terminal instead of typing `http://192.168.1.20:3000/?code=4821`.
//!
//! The `qrcode` crate encodes; this module only lays the modules out: as a matrix the window
//! paints, and as text for a terminal. The terminal form draws two module rows per line with
//! half blocks in black on white (ANSI colours), so it scans on dark and light terminal
//! themes alike, with the 4-module quiet zone the QR standard asks for.

/// A QR code's modules, row by row (`true`: dark).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qr {
    /// Modules per side, without the quiet zone.
    pub width: usize,
    dark: Vec<bool>,
}

/// Light modules around the code, as ISO/IEC 18004 asks.
pub const QUIET: usize = 4;

impl Qr {
    /// Encode `text` (error correction M: 15 % of the code may be unreadable). `None` when
    /// it does not fit a QR code.
    pub fn encode(text: &str) -> Option<Qr> {
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
            .ok()?;
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();
        Some(Qr {
            width: code.width(),
            dark,
        })
    }

    /// Whether the module at column `x`, row `y` is dark (outside the code: light).
    pub fn dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// The code for a terminal: black on white half blocks, quiet zone included, one line per
    /// two module rows.
    pub fn terminal(&self) -> String {
        let side = self.width + 2 * QUIET;
        // Module (x, y) of the code with its quiet zone.
        let at = |x: usize, y: usize| x >= QUIET && y >= QUIET && self.dark(x - QUIET, y - QUIET);
        let mut out = String::with_capacity((side + 16) * side.div_ceil(2));
        for y in (0..side).step_by(2) {
            out.push_str("\x1b[30;47m");
            for x in 0..side {
                out.push(match (at(x, y), at(x, y + 1)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
            out.push_str("\x1b[0m\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The modules read back from the terminal text (ANSI colours stripped).
    fn from_terminal(text: &str, side: usize) -> Vec<Vec<bool>> {
        let mut rows = Vec::new();
        for line in text.lines() {
            let line = line.replace("\x1b[30;47m", "").replace("\x1b[0m", "");
            let (mut top, mut bottom) = (Vec::new(), Vec::new());
            for c in line.chars() {
                top.push(matches!(c, '█' | '▀'));
                bottom.push(matches!(c, '█' | '▄'));
            }
            assert_eq!(top.len(), side);
            rows.push(top);
            rows.push(bottom);
        }
        rows.truncate(side);
        rows
    }

    /// Decode the modules with a QR reader (rqrr), as a phone would.
    fn read(rows: &[Vec<bool>]) -> String {
        let scale = 4;
        let side = rows.len();
        let px = side * scale;
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(px, px, |x, y| {
            if rows[y / scale][x / scale] {
                0
            } else {
                255
            }
        });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code found");
        grids[0].decode().unwrap().1
    }

    #[test]
    fn terminal_code_reads_back_as_the_address() {
        let url = "http://192.168.1.20:3000/?code=4821";
        let qr = Qr::encode(url).unwrap();
        let side = qr.width + 2 * QUIET;
        let rows = from_terminal(&qr.terminal(), side);
        assert_eq!(rows.len(), side);
        assert_eq!(read(&rows), url);
        // The quiet zone is light all round.
        assert!(rows[..QUIET].iter().all(|r| r.iter().all(|d| !d)));
        assert!(rows.iter().all(|r| r[..QUIET].iter().all(|d| !d)));
    }

    #[test]
    fn matrix_reads_back() {
        let url = "http://10.0.0.5:8765/";
        let qr = Qr::encode(url).unwrap();
        let rows: Vec<Vec<bool>> = (0..qr.width + 2 * QUIET)
            .map(|y| {
                (0..qr.width + 2 * QUIET)
                    .map(|x| x >= QUIET && y >= QUIET && qr.dark(x - QUIET, y - QUIET))
                    .collect()
            })
            .collect();
        assert_eq!(read(&rows), url);
    }

    #[test]
    fn too_long_is_none() {
        assert!(Qr::encode(&"x".repeat(5000)).is_none());
    }
}
