//! `layerscope explain`: one packet layer by layer, every field, a marked hex dump.
use super::*;

pub fn explain_file(
    path: &Path,
    number: u64,
    placement: layerscope::model::Placement,
) -> Result<Option<String>> {
    if number == 0 {
        bail!("packet numbers start at 1");
    }
    let cap = open_capture(path)?;
    let i = (number - 1) as usize;
    let (Some(p), Some(data)) = (cap.packet(i), cap.store.data(i)) else {
        let damage = cap
            .store
            .error()
            .map_or(String::new(), |e| format!(" (reading stopped early: {e})"));
        bail!(
            "{} has {}; there is no packet {number}{damage}",
            path.display(),
            layerscope::model::count(cap.len(), "packet")
        );
    };
    let iface = cap
        .store
        .interfaces()
        .get(p.meta.interface as usize)
        .and_then(|i| i.name.as_deref());
    let text = output::explain_in(&p, data, iface, placement);
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(None)
}
