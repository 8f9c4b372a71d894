import Shared
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The C math functions, under names that do not clash with local helpers.
enum MathFunctions {
    static func log10(_ x: Double) -> Double {
        #if canImport(Glibc)
        Glibc.log10(x)
        #else
        Darwin.log10(x)
        #endif
    }
    static func pow(_ x: Double, _ y: Double) -> Double {
        #if canImport(Glibc)
        Glibc.pow(x, y)
        #else
        Darwin.pow(x, y)
        #endif
    }
}

/// A dependency-free SVG line chart: one or more panels, each with named series of (x, y)
/// points, axes with ticks, and a legend. Enough for throughput/latency-versus-rate plots.
public struct SVGLineChart: Sendable {
    /// One line of a panel.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    /// One plot area.
    public struct Panel: Sendable {
        public var title: String
        public var xLabel: String
        public var yLabel: String
        public var series: [Series]
        public var logY: Bool
        /// A logarithmic x axis, ticked at the points' own x values (for rates spanning decades).
        public var logX = false
        public init(title: String, xLabel: String, yLabel: String, series: [Series], logY: Bool = false, logX: Bool = false) {
            self.logX = logX
            self.title = title
            self.xLabel = xLabel
            self.yLabel = yLabel
            self.series = series
            self.logY = logY
        }
    }

    public var title: String
    public var panels: [Panel]
    public var panelWidth = 460.0
    public var panelHeight = 320.0

    public init(title: String, panels: [Panel]) {
        self.title = title
        self.panels = panels
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf", "#bcbd22"]

    /// The SVG document.
    public var svg: String {
        let margin = (left: 70.0, right: 20.0, top: 50.0, bottom: 50.0)
        let legendHeight = 22.0 * Double((panels.map(\.series.count).max() ?? 0 + 2) / 3 + 1)
        let width = Double(panels.count) * (panelWidth + margin.left + margin.right)
        let height = panelHeight + margin.top + margin.bottom + legendHeight + 30
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
        out += "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(Int(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"16\">\(escape(title))</text>\n"
        for (panelIndex, panel) in panels.enumerated() {
            let x0 = Double(panelIndex) * (panelWidth + margin.left + margin.right) + margin.left
            let y0 = margin.top
            out += drawPanel(panel, x0: x0, y0: y0)
        }
        // Legend from the first panel's series names.
        let names = panels.first?.series.map(\.name) ?? []
        for (index, name) in names.enumerated() {
            let column = index % 3, row = index / 3
            let lx = margin.left + Double(column) * 240
            let ly = margin.top + panelHeight + margin.bottom + 10 + Double(row) * 22
            let color = Self.palette[index % Self.palette.count]
            out += "<line x1=\"\(f(lx))\" y1=\"\(f(ly))\" x2=\"\(f(lx + 24))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"3\"/>"
            out += "<text x=\"\(f(lx + 30))\" y=\"\(f(ly + 4))\">\(escape(name))</text>\n"
        }
        out += "</svg>\n"
        return out
    }

    private func drawPanel(_ panel: Panel, x0: Double, y0: Double) -> String {
        let points = panel.series.flatMap(\.points).filter {
            $0.x.isFinite && $0.y.isFinite && (!panel.logY || $0.y > 0) && (!panel.logX || $0.x > 0)
        }
        guard !points.isEmpty else { return "" }
        func tx(_ x: Double) -> Double { panel.logX ? log10(x) : x }
        let xMin = points.map { tx($0.x) }.min()!, xMax = points.map { tx($0.x) }.max()!
        func ty(_ y: Double) -> Double { panel.logY ? log10(y) : y }
        var yMin = panel.logY ? points.map { ty($0.y) }.min()! : 0
        var yMax = points.map { ty($0.y) }.max()!
        if panel.logY {
            yMin = yMin.rounded(.down)
            yMax = yMax.rounded(.up)
        }
        if yMax <= yMin { yMax = yMin + 1 }
        let xSpan = xMax > xMin ? xMax - xMin : 1
        func sx(_ x: Double) -> Double { x0 + (tx(x) - xMin) / xSpan * panelWidth }
        func sy(_ y: Double) -> Double { y0 + panelHeight - (ty(y) - yMin) / (yMax - yMin) * panelHeight }
        var out = "<rect x=\"\(f(x0))\" y=\"\(f(y0))\" width=\"\(f(panelWidth))\" height=\"\(f(panelHeight))\" fill=\"none\" stroke=\"#444\"/>\n"
        out += "<text x=\"\(f(x0 + panelWidth / 2))\" y=\"\(f(y0 - 8))\" text-anchor=\"middle\" font-size=\"13\">\(escape(panel.title))</text>\n"
        out += "<text x=\"\(f(x0 + panelWidth / 2))\" y=\"\(f(y0 + panelHeight + 36))\" text-anchor=\"middle\">\(escape(panel.xLabel))</text>\n"
        out += "<text transform=\"translate(\(f(x0 - 52)),\(f(y0 + panelHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(panel.yLabel))</text>\n"
        let xTicks = panel.logX
            ? Array(Set(points.map(\.x))).sorted() : (0...4).map { xMin + xSpan * Double($0) / 4 }
        for xv in xTicks {
            out += "<text x=\"\(f(sx(xv)))\" y=\"\(f(y0 + panelHeight + 16))\" text-anchor=\"middle\">\(tick(xv))</text>\n"
        }
        // Y ticks: five even steps, or every power of ten on a log axis.
        let yTicks = panel.logY ? Array(stride(from: yMin, through: yMax, by: 1)) : (0...4).map { yMin + (yMax - yMin) * Double($0) / 4 }
        for yt in yTicks {
            let yv = panel.logY ? pow10(yt) : yt
            let py = y0 + panelHeight - (yt - yMin) / (yMax - yMin) * panelHeight
            out += "<line x1=\"\(f(x0))\" y1=\"\(f(py))\" x2=\"\(f(x0 + panelWidth))\" y2=\"\(f(py))\" stroke=\"#eee\"/>"
            out += "<text x=\"\(f(x0 - 6))\" y=\"\(f(py + 4))\" text-anchor=\"end\">\(tick(yv))</text>\n"
        }
        for (index, series) in panel.series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            let usable = series.points.filter { $0.x.isFinite && $0.y.isFinite && (!panel.logY || $0.y > 0) }
            let path = usable.map { "\(f(sx($0.x))),\(f(sy($0.y)))" }.joined(separator: " ")
            out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            for point in usable {
                out += "<circle cx=\"\(f(sx(point.x)))\" cy=\"\(f(sy(point.y)))\" r=\"3\" fill=\"\(color)\"/>"
            }
            out += "\n"
        }
        return out
    }

    private func f(_ value: Double) -> String { Format.fixed(value, 1) }
    private func tick(_ value: Double) -> String {
        abs(value) >= 100 ? Format.fixed(value, 0) : abs(value) >= 10 ? Format.fixed(value, 1) : Format.fixed(value, 2)
    }
    private func escape(_ text: String) -> String {
        text.replacingOccurrences("&", "&amp;").replacingOccurrences("<", "&lt;").replacingOccurrences(">", "&gt;")
    }
    private func log10(_ x: Double) -> Double { MathFunctions.log10(x) }
    private func pow10(_ x: Double) -> Double { MathFunctions.pow(10, x) }
}

