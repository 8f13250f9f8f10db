//! Pictures for slides: the window or one pane saved as PNG, from the menu or from the command
//! line (`layerscope FILE --packet N --view VIEW --screenshot OUT.png` opens the window,
//! renders that state, writes the PNG and exits).
//!
//! How: egui asks the renderer for the frame it just drew (`ViewportCommand::Screenshot`); the
//! image arrives as an event a frame later, is cropped to the pane's rectangle (kept from the
//! frame that drew it, in points, scaled by the pixels per point) and written with the `image`
//! crate eframe already uses.

use super::*;

/// What to save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Window,
    Pane(Pane),
}

/// The panes a picture can be cut to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    List,
    Layers,
    Details,
    Sentence,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Sentence, Pane::List, Pane::Layers, Pane::Details];

    pub fn name(self) -> &'static str {
        match self {
            Pane::List => "the packet list",
            Pane::Layers => "the layer stack and encapsulation strip",
            Pane::Details => "the fields and bytes, ladder, sockets or glossary",
            Pane::Sentence => "the sentence",
        }
    }
}

/// Where the renderer puts the picture it took.
type Arrived = std::sync::Arc<std::sync::Mutex<Option<std::sync::Arc<egui::ColorImage>>>>;

/// A picture asked for and not yet written.
#[derive(Debug, Clone)]
pub struct ShotRequest {
    pub target: Target,
    pub path: PathBuf,
    /// Close the window once it is written (`--screenshot`).
    pub exit: bool,
    /// Frames to wait before asking (the layout settles over a few frames).
    pub wait_frames: u32,
    asked: bool,
    arrived: Arrived,
}

impl LayerscopeApp {
    /// Save a picture of `target` to `path` at the end of the next frames.
    pub fn request_screenshot(&mut self, target: Target, path: PathBuf, exit: bool) {
        self.shot = Some(ShotRequest {
            target,
            path,
            exit,
            wait_frames: if exit { 6 } else { 1 },
            asked: false,
            arrived: Default::default(),
        });
    }

    /// Remember where a pane was drawn this frame.
    pub(super) fn pane_at(&mut self, pane: Pane, rect: egui::Rect) {
        self.panes.retain(|(p, _)| *p != pane);
        self.panes.push((pane, rect));
    }

    /// Drive a pending screenshot: ask for it, then write what arrives.
    pub(super) fn take_screenshot(&mut self, ctx: &egui::Context) {
        let Some(req) = &mut self.shot else { return };
        // A picture for a slide shows the window, not a tooltip where the pointer happens to be.
        if req.exit {
            ctx.global_style_mut(|s| s.interaction.tooltip_delay = 1e9);
        }
        if !req.asked {
            if req.wait_frames > 0 {
                req.wait_frames -= 1;
            } else {
                req.asked = true;
                let arrived = req.arrived.clone();
                ctx.request_screenshot(move |image| {
                    if let Ok(mut a) = arrived.lock() {
                        *a = Some(image);
                    }
                });
            }
            ctx.request_repaint();
            return;
        }
        let image = req.arrived.lock().ok().and_then(|mut a| a.take());
        let Some(image) = image else {
            ctx.request_repaint();
            return;
        };
        let req = req.clone();
        self.shot = None;
        let ppp = ctx.pixels_per_point();
        let rect = match req.target {
            Target::Window => None,
            Target::Pane(p) => self.panes.iter().find(|(q, _)| *q == p).map(|(_, r)| *r),
        };
        match write_png(&image, rect.map(|r| r * ppp), &req.path) {
            Ok((w, h)) => {
                self.notice = Some(format!("Saved a {w}x{h} picture to {}", req.path.display()));
                if req.exit {
                    println!("{}", req.path.display());
                }
            }
            Err(e) => {
                self.error = Some(format!("cannot save {}: {e}", req.path.display()));
                if req.exit {
                    eprintln!("layerscope: error: cannot save {}: {e}", req.path.display());
                }
            }
        }
        if req.exit {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }
}

/// Write `image` (cut to `crop`, in pixels) as a PNG; its size.
fn write_png(
    image: &egui::ColorImage,
    crop: Option<egui::Rect>,
    path: &Path,
) -> Result<(u32, u32), String> {
    let [w, h] = image.size;
    let (x0, y0, x1, y1) = match crop {
        Some(r) => (
            (r.min.x.max(0.0) as usize).min(w),
            (r.min.y.max(0.0) as usize).min(h),
            (r.max.x.max(0.0).ceil() as usize).min(w),
            (r.max.y.max(0.0).ceil() as usize).min(h),
        ),
        None => (0, 0, w, h),
    };
    if x1 <= x0 || y1 <= y0 {
        return Err("the pane is not on screen".into());
    }
    let (cw, ch) = (x1 - x0, y1 - y0);
    let mut rgba = Vec::with_capacity(cw * ch * 4);
    for y in y0..y1 {
        for px in &image.pixels[y * w + x0..y * w + x1] {
            rgba.extend_from_slice(&px.to_srgba_unmultiplied());
        }
    }
    let (cw, ch) = (
        u32::try_from(cw).map_err(|e| e.to_string())?,
        u32::try_from(ch).map_err(|e| e.to_string())?,
    );
    image::save_buffer_with_format(
        path,
        &rgba,
        cw,
        ch,
        image::ColorType::Rgba8,
        image::ImageFormat::Png,
    )
    .map_err(|e| e.to_string())?;
    Ok((cw, ch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crop_is_written_at_its_size() {
        let mut img = egui::ColorImage::filled([40, 30], egui::Color32::from_rgb(10, 20, 30));
        img.pixels[5 * 40 + 12] = egui::Color32::WHITE;
        let dir = std::env::temp_dir().join(format!("layerscope-shot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let p = dir.join("crop.png");
        let crop = egui::Rect::from_min_max(egui::pos2(10.0, 5.0), egui::pos2(20.0, 25.0));
        assert_eq!(write_png(&img, Some(crop), &p), Ok((10, 20)));
        let back = image::open(&p).expect("png").to_rgba8();
        assert_eq!(back.dimensions(), (10, 20));
        assert_eq!(back.get_pixel(2, 0).0, [255, 255, 255, 255]);
        assert_eq!(back.get_pixel(0, 0).0, [10, 20, 30, 255]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
