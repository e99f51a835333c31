//! Drawing helpers shared by the plots: an SVG canvas, a palette, log or linear axes from the
//! data's range, and line and scatter series with a legend. Every chart has a title and axes
//! labelled with their units.

use crate::{Error, Result};
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::CoordTranslate;
use plotters::prelude::*;
use std::path::Path;

/// Canvas size, pixels.
pub const SIZE: (u32, u32) = (960, 640);

/// The colour of series `i`.
pub fn color(i: usize) -> RGBColor {
    const COLORS: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    COLORS[i % COLORS.len()]
}

/// A plotting failure as the compiler's error, naming the file.
pub fn plot_error(path: &Path) -> impl Fn(String) -> Error + '_ {
    move |message| Error::Usage(format!("{}: drawing failed: {message}", path.display()))
}

/// A named series of (x, y) points.
pub struct Series {
    /// Legend text.
    pub name: String,
    /// Points, in x order.
    pub points: Vec<(f64, f64)>,
}

/// Titles and axis labels of a chart.
pub struct Labels<'a> {
    /// Above the chart.
    pub title: &'a str,
    /// Under the x axis, with its unit.
    pub x: &'a str,
    /// Beside the y axis, with its unit.
    pub y: &'a str,
}

/// The smallest and largest value of `values` (positive ones only when `log`), widened so that
/// a constant series still has a visible range.
pub fn range(values: impl Iterator<Item = f64>, log: bool) -> std::ops::Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && (!log || *v > 0.0))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return if log { 1.0..10.0 } else { 0.0..1.0 };
    }
    if log {
        (lo / 1.5)..(hi * 1.5)
    } else {
        let pad = ((hi - lo) * 0.05).max(hi.abs() * 0.05).max(1e-9);
        (lo - pad)..(hi + pad)
    }
}

/// Whether values spanning `range` are best shown on a log axis (more than a decade).
pub fn spans_decades(range: &std::ops::Range<f64>) -> bool {
    range.start > 0.0 && range.end / range.start > 20.0
}

/// An axis tick: up to 3 significant digits, powers of ten for large and small values.
pub fn tick(v: &f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-2..1e4).contains(&a) {
        format!("{v:.0e}")
    } else {
        let text = format!("{v:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// Words every series name shares, removed from the names and returned (for the title).
fn common_words(series: &mut [Series]) -> String {
    let Some(first) = series.first() else {
        return String::new();
    };
    let shared: Vec<String> = first
        .name
        .split_whitespace()
        .filter(|w| {
            series
                .iter()
                .all(|s| s.name.split_whitespace().any(|x| x == *w))
        })
        .map(str::to_owned)
        .collect();
    if series.len() > 1 {
        for s in series.iter_mut() {
            let kept: Vec<&str> = s
                .name
                .split_whitespace()
                .filter(|w| !shared.iter().any(|x| x == w))
                .collect();
            s.name = kept.join(" ");
        }
    }
    shared.join(" ")
}

/// The marker of series `i` at `at`: colour by `i`, shape by `i / 10`.
fn marker<DB: DrawingBackend>(i: usize, at: (i32, i32)) -> DynElement<'static, DB, (i32, i32)> {
    let c = color(i).filled();
    match (i / 10) % 4 {
        0 => Circle::new(at, 4, c).into_dyn(),
        1 => TriangleMarker::new(at, 5, c).into_dyn(),
        2 => Cross::new(at, 4, color(i).stroke_width(2)).into_dyn(),
        _ => Rectangle::new([(at.0 - 4, at.1 - 4), (at.0 + 4, at.1 + 4)], c).into_dyn(),
    }
}

/// Series legend beyond this many entries is summarised.
const LEGEND_ENTRIES: usize = 36;

/// Draws the legend of `series` in `area`, one entry per line.
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    series: &[Series],
) -> Result<(), String> {
    let style = ("sans-serif", 13).into_font();
    for (i, s) in series.iter().enumerate().take(LEGEND_ENTRIES) {
        let y = 60 + 18 * i as i32;
        area.draw(&marker(i, (12, y))).map_err(|e| e.to_string())?;
        area.draw(&Text::new(s.name.clone(), (24, y - 7), style.clone()))
            .map_err(|e| e.to_string())?;
    }
    if series.len() > LEGEND_ENTRIES {
        let y = 60 + 18 * LEGEND_ENTRIES as i32;
        let more = format!(
            "... and {} more series (see results.csv)",
            series.len() - LEGEND_ENTRIES
        );
        area.draw(&Text::new(more, (24, y - 7), style))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Draws `series` as lines with markers (or markers only when `lines` is false) on the given
/// axes into an SVG file, with the legend on the right; words all series share go to the title.
pub fn draw_series<X, Y>(
    path: &Path,
    labels: &Labels,
    x: X,
    y: Y,
    series: &mut [Series],
    lines: bool,
) -> Result<()>
where
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let fail = plot_error(path);
    let shared = common_words(series);
    let title = if shared.is_empty() {
        labels.title.to_owned()
    } else {
        format!("{} ({shared})", labels.title)
    };
    let root = SVGBackend::new(path, (SIZE.0 + 380, SIZE.1)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
    let (left, right) = root.split_horizontally(SIZE.0);
    let mut chart = ChartBuilder::on(&left)
        .caption(title, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(90)
        .build_cartesian_2d(x, y)
        .map_err(|e| fail(e.to_string()))?;
    chart
        .configure_mesh()
        .x_desc(labels.x)
        .y_desc(labels.y)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(|e| fail(e.to_string()))?;
    for (i, s) in series.iter().enumerate() {
        if lines {
            chart
                .draw_series(LineSeries::new(
                    s.points.iter().copied(),
                    color(i).stroke_width(2),
                ))
                .map_err(|e| fail(e.to_string()))?;
        }
        chart
            .draw_series(
                s.points
                    .iter()
                    .map(|&p| EmptyElement::at(p) + marker(i, (0, 0))),
            )
            .map_err(|e| fail(e.to_string()))?;
    }
    legend(&right, series).map_err(&fail)?;
    root.present().map_err(|e| fail(e.to_string()))
}

/// Draws the series labels of `chart` in a framed box at `position`.
pub fn boxed_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(position)
        .draw()
        .map_err(|e| e.to_string())
}

/// The tick label of a category axis at `y`: `names[y]` on whole numbers, nothing between.
pub fn category(y: f64, names: &[String]) -> String {
    let i = y.round();
    if (y - i).abs() < 1e-6 && i >= 0.0 {
        names.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// Draws `series` with x and y each on a log axis when their data span decades, else linear.
pub fn draw_auto(path: &Path, labels: &Labels, series: &mut [Series], lines: bool) -> Result<()> {
    let xs = range(
        series.iter().flat_map(|s| s.points.iter().map(|p| p.0)),
        true,
    );
    let ys = range(
        series.iter().flat_map(|s| s.points.iter().map(|p| p.1)),
        true,
    );
    let (log_x, log_y) = (spans_decades(&xs), spans_decades(&ys));
    let lin = |values: &mut dyn Iterator<Item = f64>| range(values, false);
    let x_lin = lin(&mut series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
    let y_lin = lin(&mut series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
    match (log_x, log_y) {
        (true, true) => draw_series(path, labels, xs.log_scale(), ys.log_scale(), series, lines),
        (true, false) => draw_series(path, labels, xs.log_scale(), y_lin, series, lines),
        (false, true) => draw_series(path, labels, x_lin, ys.log_scale(), series, lines),
        (false, false) => draw_series(path, labels, x_lin, y_lin, series, lines),
    }
}
