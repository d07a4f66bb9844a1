//! `--svg FILE`: delivered % and elapsed time against the link's loss rate,
//! TCP and UDP side by side (plotters, SVG backend). Each run is a dot; the
//! line joins the medians when a rate was run several times (`--repeat`).
//! With `--delay-sweep`, the same file shows elapsed time against the
//! round-trip time instead ([`write_rtt_svg`]).

use std::path::Path;

use plotters::prelude::*;

use super::{Proto, ProtoRun};
use crate::i18n::{decimal_in, lang, tr_in, Lang};

/// Size of the picture, pixels.
const WIDTH: u32 = 1000;
const HEIGHT: u32 = 420;
/// Colours of the two protocols (and the expected line).
const TCP_COLOR: RGBColor = RGBColor(31, 119, 180);
const UDP_COLOR: RGBColor = RGBColor(214, 39, 40);
const EXPECTED_COLOR: RGBColor = RGBColor(150, 150, 150);

/// (loss %, value) of every run of one protocol, in order of loss.
fn points(
    runs: &[ProtoRun],
    proto: Proto,
    value: impl Fn(&ProtoRun) -> Option<f64>,
) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = runs
        .iter()
        .filter(|r| r.proto == proto)
        .filter_map(|r| Some((r.loss_percent, value(r)?)))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    pts
}

/// The median of the points at each loss rate (runs repeated with
/// `--repeat` give several): the line goes through these.
pub fn medians(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < points.len() {
        let x = points[i].0;
        let group: Vec<f64> = points[i..]
            .iter()
            .take_while(|p| p.0 == x)
            .map(|p| p.1)
            .collect();
        i += group.len();
        // `points` is sorted by value within a loss rate.
        let mid = group.len() / 2;
        let median = if group.len() % 2 == 1 {
            group[mid]
        } else {
            (group[mid - 1] + group[mid]) / 2.0
        };
        out.push((x, median));
    }
    out
}

/// (RTT in ms, elapsed s) of every run of one protocol, in order of RTT.
fn rtt_points(runs: &[ProtoRun], proto: Proto) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = runs
        .iter()
        .filter(|r| r.proto == proto)
        .filter_map(|r| Some((2.0 * r.delay.as_secs_f64() * 1000.0, r.elapsed_s()?)))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    pts
}

/// Draw elapsed time against the link's round-trip time into `path`.
/// Its words are in the process's language.
pub fn write_rtt_svg(path: &Path, runs: &[ProtoRun], title: &str) -> Result<(), String> {
    let lang = lang();
    draw_rtt(lang, path, runs, title).map_err(|e| failed(lang, path, &*e))
}

/// The error of a plot that could not be drawn into `path`.
fn failed(lang: Lang, path: &Path, error: &dyn std::error::Error) -> String {
    tr_in(
        lang,
        "exp-plot-failed",
        &[
            ("path", path.display().to_string().into()),
            ("error", error.to_string().into()),
        ],
    )
}

/// The title of the plot of `--delay-sweep`: `messages` of `size` bytes,
/// `loss` percent (already formatted) lost each way.
pub fn rtt_title(messages: u64, size: usize, loss: &str) -> String {
    crate::t!(
        "exp-plot-title-rtt",
        messages = messages,
        size = size,
        loss = loss
    )
}

/// The title of the plot of `--sweep`.
pub fn loss_title(messages: u64, size: usize) -> String {
    crate::t!("exp-plot-title-loss", messages = messages, size = size)
}

fn draw_rtt(
    lang: Lang,
    path: &Path,
    runs: &[ProtoRun],
    title: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let tr = |id: &str| tr_in(lang, id, &[]);
    let root = SVGBackend::new(path, (WIDTH * 7 / 10, HEIGHT + 60)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 16))?;
    let max_rtt = runs
        .iter()
        .map(|r| 2.0 * r.delay.as_secs_f64() * 1000.0)
        .fold(0.0f64, f64::max)
        .max(1.0);
    let max_s = runs
        .iter()
        .filter_map(|r| r.elapsed_s())
        .fold(0.0f64, f64::max)
        .max(0.01);
    let mut chart = ChartBuilder::on(&root)
        .caption(tr("exp-plot-time"), ("sans-serif", 15))
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0..max_rtt * 1.05, 0.0..max_s * 1.1)?;
    chart
        .configure_mesh()
        .x_desc(tr("exp-plot-rtt-axis"))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_desc(tr("exp-plot-elapsed-axis"))
        .y_label_formatter(&|v| decimal_in(lang, *v, 2))
        .draw()?;
    for (proto, color) in [(Proto::Tcp, TCP_COLOR), (Proto::Udp, UDP_COLOR)] {
        let pts = rtt_points(runs, proto);
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        chart
            .draw_series(LineSeries::new(medians(&pts), color.stroke_width(2)))?
            .label(proto.upper())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .border_style(BLACK)
        .background_style(WHITE.mix(0.9))
        .draw()?;
    root.present()?;
    Ok(())
}

/// Draw the two charts into `path`.
/// Its words are in the process's language.
pub fn write_svg(path: &Path, runs: &[ProtoRun], title: &str) -> Result<(), String> {
    write_svg_in(lang(), path, runs, title)
}

/// [`write_svg`] with its words in `lang`.
pub fn write_svg_in(lang: Lang, path: &Path, runs: &[ProtoRun], title: &str) -> Result<(), String> {
    draw(lang, path, runs, title).map_err(|e| failed(lang, path, &*e))
}

fn draw(
    lang: Lang,
    path: &Path,
    runs: &[ProtoRun],
    title: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let tr = |id: &str| tr_in(lang, id, &[]);
    let root = SVGBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 18))?;
    let (left, right) = root.split_horizontally(WIDTH / 2);

    let max_loss = runs
        .iter()
        .map(|r| r.loss_percent)
        .fold(0.0f64, f64::max)
        .max(1.0);
    let x_range = 0.0..max_loss * 1.05;

    // Left: delivered %.
    let delivered = |p| points(runs, p, |r| Some(r.delivered_percent()));
    let min_delivered = runs
        .iter()
        .map(|r| r.delivered_percent())
        .fold(100.0f64, f64::min);
    let y_low = ((min_delivered - 5.0) / 10.0).floor().max(0.0) * 10.0;
    let mut chart = ChartBuilder::on(&left)
        .caption(tr("exp-plot-delivered"), ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(x_range.clone(), y_low..101.0)?;
    chart
        .configure_mesh()
        .x_desc(tr("exp-plot-loss-axis"))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_desc(tr("exp-plot-delivered-axis"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, 100.0), (max_loss, 100.0 - max_loss)],
            6,
            4,
            EXPECTED_COLOR.stroke_width(1),
        ))?
        .label(tr("exp-plot-expected"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], EXPECTED_COLOR));
    for (proto, color) in [(Proto::Tcp, TCP_COLOR), (Proto::Udp, UDP_COLOR)] {
        let pts = delivered(proto);
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        chart
            .draw_series(LineSeries::new(medians(&pts), color.stroke_width(2)))?
            .label(proto.upper())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .border_style(BLACK)
        .background_style(WHITE.mix(0.9))
        .draw()?;

    // Right: elapsed time, on a log scale (TCP's grows by orders of magnitude).
    let elapsed = |p| points(runs, p, |r| r.elapsed_s());
    let all: Vec<f64> = runs
        .iter()
        .filter_map(|r| r.elapsed_s())
        .filter(|e| *e > 0.0)
        .collect();
    let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = all.iter().copied().fold(0.0f64, f64::max);
    let (lo, hi) = if all.is_empty() {
        (0.01, 1.0)
    } else {
        (lo / 2.0, hi * 2.0)
    };
    let mut chart = ChartBuilder::on(&right)
        .caption(tr("exp-plot-time"), ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(x_range, (lo..hi).log_scale())?;
    chart
        .configure_mesh()
        .x_desc(tr("exp-plot-loss-axis"))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_desc(tr("exp-plot-elapsed-log-axis"))
        .y_label_formatter(&|v| {
            if *v >= 1.0 {
                format!("{v:.0}")
            } else {
                decimal_in(lang, *v, 2)
            }
        })
        .draw()?;
    for (proto, color) in [(Proto::Tcp, TCP_COLOR), (Proto::Udp, UDP_COLOR)] {
        let pts = elapsed(proto);
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        chart
            .draw_series(LineSeries::new(medians(&pts), color.stroke_width(2)))?
            .label(proto.upper())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .border_style(BLACK)
        .background_style(WHITE.mix(0.9))
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::endpoint::{Received, Sent};
    use crate::experiment::tally::Summary;
    use crate::experiment::{Scenario, Workload};
    use std::time::Duration;

    fn run(proto: Proto, loss: f64, delivered: u64, elapsed_ns: u64) -> ProtoRun {
        ProtoRun {
            proto,
            scenario: Scenario::Lossy,
            loss_percent: loss,
            delay: std::time::Duration::ZERO,
            link_rate_bps: None,
            workload: Workload {
                messages: 100,
                size: 1000,
                rate: None,
                recv_delay: Duration::ZERO,
                rcvbuf: None,
                idle_timeout: Duration::from_secs(1),
            },
            sent: Sent {
                sent: 100,
                first_send_ns: Some(1),
                ..Sent::default()
            },
            received: Received {
                summary: Summary {
                    delivered,
                    last_recv_ns: Some(1 + elapsed_ns),
                    ..Summary::default()
                },
                ..Received::default()
            },
            link_drops: None,
            iperf3: None,
        }
    }

    #[test]
    fn the_line_goes_through_the_median_of_each_rate() {
        let pts = [
            (0.0, 1.0),
            (10.0, 2.0),
            (10.0, 9.0),
            (10.0, 30.0),
            (20.0, 4.0),
            (20.0, 6.0),
        ];
        assert_eq!(medians(&pts), vec![(0.0, 1.0), (10.0, 9.0), (20.0, 5.0)]);
        assert_eq!(medians(&[]), vec![]);
    }

    #[test]
    fn writes_an_svg_with_both_protocols() {
        let runs = [
            run(Proto::Tcp, 0.0, 100, 50_000_000),
            run(Proto::Udp, 0.0, 100, 10_000_000),
            run(Proto::Tcp, 10.0, 100, 6_000_000_000),
            run(Proto::Udp, 10.0, 90, 10_000_000),
            run(Proto::Udp, 20.0, 0, 0),
        ];
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("plot.svg");
        write_svg(&path, &runs, "test plot").unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
        for text in [
            "TCP",
            "UDP",
            "delivered (%)",
            "test plot",
            "elapsed (s, log scale)",
        ] {
            assert!(svg.contains(text), "no `{text}` in the SVG");
        }
        // In Portuguese: its captions and axes, decimal commas on the ticks.
        write_svg_in(Lang::PtBr, &path, &runs, "teste").unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        for text in [
            "Mensagens entregues",
            "entregues (%)",
            "tempo decorrido (s, escala logarítmica)",
            "perda no enlace em cada sentido (%)",
            "0,",
        ] {
            assert!(svg.contains(text), "no `{text}` in the Portuguese SVG");
        }
        assert!(!svg.contains("delivered (%)"));
    }
}
