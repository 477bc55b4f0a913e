package handlers

import "testing"

func TestMapConfig(t *testing.T) {
	for _, tc := range []struct {
		tiles, img string
		valid      bool
	}{
		{"", "", true},
		{"https://tile.openstreetmap.org/{z}/{x}/{y}.png", " https://tile.openstreetmap.org", true},
		{"https://{s}.tiles.example.org/base/{z}/{x}/{y}.png", " https://*.tiles.example.org", true},
		{"http://127.0.0.1:9000/{z}/{x}/{y}.png", " http://127.0.0.1:9000", true},
		{"https://tiles.example.org/{z}/{x}.png", "", false},
		{"javascript:alert(1)//{z}{x}{y}", "", false},
		{"/tiles/{z}/{x}/{y}.png", "", false},
	} {
		m := MapConfig{TilesURL: tc.tiles}
		if err := m.Validate(); (err == nil) != tc.valid {
			t.Errorf("%q: Validate() = %v, want valid %v", tc.tiles, err, tc.valid)
		}
		if got := m.imgSource(); tc.valid && got != tc.img {
			t.Errorf("%q: imgSource() = %q, want %q", tc.tiles, got, tc.img)
		}
	}
}
