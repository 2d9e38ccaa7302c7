//! Charts drawn on the server as SVG, for pages that must work without JavaScript and stay light on a phone: daily
//! bars with a line over them (a 7-day average, say), each chart an `img` with a title and a description, and its
//! numbers beside it as a table for screen readers and for anyone who wants the figures. Nothing here reads data:
//! pages hand in the series.

use std::fmt::Write as _;

use time::Date;

use crate::i18n::Lang;
use crate::kit::escape;

/// What a chart shows: one value a day as bars, optionally a line over them, and their words.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyChart<'a> {
    /// The chart's name, read first by screen readers and shown above it.
    pub title: &'a str,
    /// One sentence saying what the chart shows and where the data comes from.
    pub description: &'a str,
    pub days: &'a [Date],
    /// Bar heights by day; `None` where the source has no figure.
    pub bars: &'a [Option<f64>],
    pub bars_label: &'a str,
    /// A line over the bars (a moving average), by day.
    pub line: Option<(&'a str, &'a [Option<f64>])>,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 12.0;

/// A round top for the axis: 1, 2 or 5 times a power of ten at or above `max`.
fn nice_ceiling(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|v| *v >= max).unwrap_or(10.0 * power)
}

/// A number as people read it: thousands grouped, at most one decimal.
pub fn figure(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    let whole = rounded.trunc().abs() as u64;
    let mut digits = whole.to_string();
    let mut grouped = String::new();
    while digits.len() > 3 {
        let tail = digits.split_off(digits.len() - 3);
        grouped = format!(",{tail}{grouped}");
    }
    let sign = if rounded < 0.0 { "-" } else { "" };
    let fraction = (rounded.fract().abs() * 10.0).round() as u8;
    if fraction == 0 { format!("{sign}{digits}{grouped}") } else { format!("{sign}{digits}{grouped}.{fraction}") }
}

/// The chart as SVG, then its data as a table. `id` must be unique on the page.
pub fn daily_chart(lang: Lang, id: &str, chart: &DailyChart<'_>) -> String {
    let n = chart.days.len().max(1);
    let values = chart.bars.iter().chain(chart.line.iter().flat_map(|(_, l)| l.iter())).flatten();
    let top = nice_ceiling(values.fold(0.0, |m: f64, v| m.max(*v)));
    let plot_w = WIDTH - LEFT - 8.0;
    let plot_h = HEIGHT - BOTTOM - TOP;
    let step = plot_w / n as f64;
    let y = |v: f64| TOP + plot_h - (v.max(0.0) / top) * plot_h;
    let id = escape(id);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-title\">{title}</title><desc id=\"{id}-desc\">{desc}</desc>",
        title = escape(chart.title),
        desc = escape(chart.description),
    );
    for tick in 0..=4 {
        let v = top * f64::from(tick) / 4.0;
        let _ = write!(
            svg,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{x2}\" y1=\"{py:.1}\" y2=\"{py:.1}\"/>\
             <text class=\"tick\" x=\"{tx}\" y=\"{ty:.1}\" text-anchor=\"end\">{label}</text>",
            x2 = WIDTH - 8.0,
            py = y(v),
            tx = LEFT - 6.0,
            ty = y(v) + 4.0,
            label = figure(v),
        );
    }
    for (i, value) in chart.bars.iter().enumerate() {
        if let Some(v) = value.filter(|v| *v > 0.0) {
            let _ = write!(
                svg,
                "<rect class=\"bar\" x=\"{x:.1}\" y=\"{top:.1}\" width=\"{w:.1}\" height=\"{h:.1}\"/>",
                x = LEFT + step * i as f64 + step * 0.1,
                top = y(v),
                w = (step * 0.8).max(0.5),
                h = TOP + plot_h - y(v),
            );
        }
    }
    if let Some((_, line)) = chart.line {
        // Gaps in the data break the line rather than being drawn as zero.
        let mut path = String::new();
        let mut pen_down = false;
        for (i, value) in line.iter().enumerate() {
            match value {
                Some(v) => {
                    let _ = write!(
                        path,
                        "{}{:.1},{:.1}",
                        if pen_down { " L" } else { " M" },
                        LEFT + step * (i as f64 + 0.5),
                        y(*v)
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        if !path.is_empty() {
            let _ = write!(svg, "<path class=\"line\" fill=\"none\" d=\"{}\"/>", path.trim_start());
        }
    }
    if let (Some(first), Some(last)) = (chart.days.first(), chart.days.last()) {
        let _ = write!(
            svg,
            "<text class=\"tick\" x=\"{LEFT}\" y=\"{b}\">{first}</text>\
             <text class=\"tick\" x=\"{r}\" y=\"{b}\" text-anchor=\"end\">{last}</text>",
            b = HEIGHT - 8.0,
            r = WIDTH - 8.0,
        );
    }
    svg.push_str("</svg>");

    let mut table = format!(
        "<details class=\"chart-data\"><summary>{title}: {figures}</summary><table><thead><tr><th scope=\"col\">{date}</th>\
         <th scope=\"col\">{bars}</th>",
        title = escape(chart.title),
        figures = lang.t("chart.figures"),
        date = lang.t("chart.date"),
        bars = escape(chart.bars_label),
    );
    if let Some((label, _)) = chart.line {
        let _ = write!(table, "<th scope=\"col\">{}</th>", escape(label));
    }
    table.push_str("</tr></thead><tbody>");
    let cell = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), figure);
    for (i, day) in chart.days.iter().enumerate() {
        let _ =
            write!(table, "<tr><th scope=\"row\">{day}</th><td>{}</td>", cell(chart.bars.get(i).copied().flatten()));
        if let Some((_, line)) = chart.line {
            let _ = write!(table, "<td>{}</td>", cell(line.get(i).copied().flatten()));
        }
        table.push_str("</tr>");
    }
    table.push_str("</tbody></table></details>");
    svg + &table
}

/// The mean of the last `days` values up to each day, where all of them are known.
pub fn moving_average(values: &[Option<f64>], days: usize) -> Vec<Option<f64>> {
    (0..values.len())
        .map(|i| {
            let window = values.get((i + 1).checked_sub(days)?..=i)?;
            let known: Option<Vec<f64>> = window.iter().copied().collect();
            known.map(|k| k.iter().sum::<f64>() / days as f64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn figures_are_grouped_and_axes_are_round() {
        for (value, text) in
            [(0.0, "0"), (1234567.0, "1,234,567"), (12.34, "12.3"), (-1500.0, "-1,500"), (999.96, "1,000")]
        {
            assert_eq!(figure(value), text);
        }
        for (max, top) in [(0.0, 1.0), (7.0, 10.0), (11.0, 20.0), (180.0, 200.0), (4100.0, 5000.0), (100.0, 100.0)] {
            assert_eq!(nice_ceiling(max), top, "{max}");
        }
    }

    #[test]
    fn a_moving_average_needs_every_day_of_its_window() {
        let values = [Some(7.0), Some(14.0), Some(21.0), None, Some(7.0), Some(7.0), Some(7.0)];
        let avg = moving_average(&values, 3);
        assert_eq!(avg, [None, None, Some(14.0), None, None, None, Some(7.0)]);
    }

    #[test]
    fn a_chart_is_a_labelled_image_with_its_figures_beside_it() {
        let days: Vec<Date> = (0..10).map(|d| date!(2021 - 03 - 01) + time::Duration::days(d)).collect();
        let bars: Vec<Option<f64>> = (0..10).map(|d| if d == 4 { None } else { Some(f64::from(d * 100)) }).collect();
        let line = moving_average(&bars, 3);
        let html = daily_chart(
            Lang::En,
            "kr<26>",
            &DailyChart {
                title: "New cases in Busan",
                description: "Daily confirmed cases, 1 to 10 March 2021. Source: Busan & WHO.",
                days: &days,
                bars: &bars,
                bars_label: "New cases",
                line: Some(("7-day average", &line)),
            },
        );
        assert!(html.starts_with("<svg class=\"chart\" viewBox=\"0 0 640 240\" role=\"img\""), "{html}");
        assert!(html.contains("aria-labelledby=\"kr&lt;26&gt;-title kr&lt;26&gt;-desc\""), "ids escaped");
        assert!(html.contains(
            "<desc id=\"kr&lt;26&gt;-desc\">Daily confirmed cases, 1 to 10 March 2021. Source: Busan &amp; WHO.</desc>"
        ));
        assert_eq!(html.matches("<rect class=\"bar\"").count(), 8, "no bar for 0 nor for the missing day");
        assert_eq!(html.matches(" M").count(), 2, "the line breaks at the gap");
        assert!(html.contains(">1,000</text>"), "the axis tops at a round 1,000 over 900");
        assert!(html.contains(">2021-03-01</text>") && html.contains(">2021-03-10</text>"));
        let table = &html[html.find("<table>").unwrap()..];
        assert_eq!(table.matches("<tr>").count(), 11, "a header row and one row a day");
        assert!(table.contains("<th scope=\"row\">2021-03-05</th><td>—</td><td>—</td>"), "a missing figure is a dash");
        assert!(table.contains("<th scope=\"row\">2021-03-10</th><td>900</td><td>800</td>"));
    }
}
