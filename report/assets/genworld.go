//go:build ignore

// genworld converts Natural Earth's 1:110m land outline, as the TopoJSON file land-110m.json of
// the npm package world-atlas@2.0.2, into world.svgpath: one SVG path in an equirectangular
// projection onto a 360×180 box (x = lon+180, y = 90-lat), coordinates rounded to 0.1°.
//
//	npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
//	go run genworld.go package/land-110m.json > world.svgpath
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
)

type topology struct {
	Transform struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Arcs    [][][2]float64 `json:"arcs"`
	Objects struct {
		Land struct {
			Geometries []struct {
				Type string          `json:"type"`
				Arcs json.RawMessage `json:"arcs"`
			} `json:"geometries"`
		} `json:"land"`
	} `json:"objects"`
}

func main() {
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail(err)
	}
	var t topology
	if err := json.Unmarshal(b, &t); err != nil {
		fail(err)
	}
	// Decode the delta-encoded, quantized arcs into degrees.
	arcs := make([][][2]float64, len(t.Arcs))
	for i, a := range t.Arcs {
		var x, y float64
		for _, p := range a {
			x += p[0]
			y += p[1]
			arcs[i] = append(arcs[i], [2]float64{x*t.Transform.Scale[0] + t.Transform.Translate[0], y*t.Transform.Scale[1] + t.Transform.Translate[1]})
		}
	}
	ring := func(idx []int) [][2]float64 {
		var pts [][2]float64
		for _, i := range idx {
			a := arcs[i^(i>>31)] // ~i for a reversed arc
			seg := make([][2]float64, len(a))
			copy(seg, a)
			if i < 0 {
				for l, r := 0, len(seg)-1; l < r; l, r = l+1, r-1 {
					seg[l], seg[r] = seg[r], seg[l]
				}
			}
			if len(pts) > 0 {
				seg = seg[1:] // arcs share their end points
			}
			pts = append(pts, seg...)
		}
		return pts
	}
	var sb strings.Builder
	path := func(pts [][2]float64, shift float64) {
		last := ""
		n := 0
		for _, p := range pts {
			s := fmt.Sprintf("%s %s", num(p[0]+180+shift), num(90-p[1]))
			if s == last {
				continue
			}
			if n == 0 {
				sb.WriteString("M")
			} else {
				sb.WriteString("L")
			}
			sb.WriteString(s)
			last = s
			n++
		}
		if n > 0 {
			sb.WriteString("Z")
		}
	}
	// emit writes a ring. A ring crossing the antimeridian (a jump of more than 180° between two points) is
	// unwrapped into continuous longitudes and written twice, shifted by 360°, so that both halves show inside the
	// box without a line across the map.
	emit := func(pts [][2]float64) {
		shift, lo, hi := 0.0, 0.0, 0.0
		for i := 1; i < len(pts); i++ {
			d := pts[i][0] + shift - pts[i-1][0]
			switch {
			case d > 180:
				shift -= 360
			case d < -180:
				shift += 360
			}
			pts[i][0] += shift
			lo, hi = math.Min(lo, pts[i][0]), math.Max(hi, pts[i][0])
		}
		path(pts, 0)
		if lo < -180 {
			path(pts, 360)
		}
		if hi > 180 {
			path(pts, -360)
		}
	}
	for _, g := range t.Objects.Land.Geometries {
		switch g.Type {
		case "Polygon":
			var rings [][]int
			if err := json.Unmarshal(g.Arcs, &rings); err != nil {
				fail(err)
			}
			for _, r := range rings {
				emit(ring(r))
			}
		case "MultiPolygon":
			var polys [][][]int
			if err := json.Unmarshal(g.Arcs, &polys); err != nil {
				fail(err)
			}
			for _, p := range polys {
				for _, r := range p {
					emit(ring(r))
				}
			}
		}
	}
	fmt.Println(sb.String())
}

func num(f float64) string {
	s := fmt.Sprintf("%.1f", math.Round(f*10)/10)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	return s
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "genworld:", err)
	os.Exit(1)
}
