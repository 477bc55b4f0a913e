package portal

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// jpegWithEXIF builds a w×h JPEG carrying an EXIF APP1 segment with GPS
// tags and the given orientation, as a phone camera would.
func jpegWithEXIF(t *testing.T, w, h, orientation int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 100, 255})
		}
	}
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, img, nil); err != nil {
		t.Fatal(err)
	}
	// TIFF (little endian): IFD0 with Orientation and a GPS IFD pointer;
	// the GPS IFD holds GPSLatitudeRef "N".
	tiff := []byte("II*\x00\x08\x00\x00\x00")
	ifd := make([]byte, 2+12*2+4)
	binary.LittleEndian.PutUint16(ifd, 2)
	binary.LittleEndian.PutUint16(ifd[2:], 0x0112)
	binary.LittleEndian.PutUint16(ifd[4:], 3)
	binary.LittleEndian.PutUint32(ifd[6:], 1)
	binary.LittleEndian.PutUint16(ifd[10:], uint16(orientation))
	binary.LittleEndian.PutUint16(ifd[14:], 0x8825) // GPS IFD pointer
	binary.LittleEndian.PutUint16(ifd[16:], 4)
	binary.LittleEndian.PutUint32(ifd[18:], 1)
	binary.LittleEndian.PutUint32(ifd[22:], uint32(8+len(ifd)))
	gps := make([]byte, 2+12+4)
	binary.LittleEndian.PutUint16(gps, 1)
	binary.LittleEndian.PutUint16(gps[2:], 0x0001) // GPSLatitudeRef
	binary.LittleEndian.PutUint16(gps[4:], 2)
	binary.LittleEndian.PutUint32(gps[6:], 2)
	copy(gps[10:], "N\x00")
	tiff = append(append(tiff, ifd...), gps...)
	app1 := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(app1)+2))
	seg = append(seg, app1...)
	b := plain.Bytes()
	return append(append(append([]byte{}, b[:2]...), seg...), b[2:]...)
}

func TestReencodeStripsEXIF(t *testing.T) {
	in := jpegWithEXIF(t, 40, 20, 1)
	if !bytes.Contains(in, []byte("Exif")) || jpegOrientation(in) != 1 {
		t.Fatal("test photo has no EXIF")
	}
	ctype, out, err := ReencodePhoto(in)
	if err != nil || ctype != "image/jpeg" {
		t.Fatalf("ReencodePhoto: %q %v", ctype, err)
	}
	if bytes.Contains(out, []byte("Exif")) || bytes.Contains(out, []byte{0xFF, 0xE1}) {
		t.Fatal("EXIF survived re-encoding")
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(out))
	if err != nil || cfg.Width != 40 || cfg.Height != 20 {
		t.Fatalf("output %dx%d, %v", cfg.Width, cfg.Height, err)
	}
}

func TestReencodeTurnsPhotosUpright(t *testing.T) {
	in := jpegWithEXIF(t, 40, 20, 6) // rotate 90° clockwise to display
	if jpegOrientation(in) != 6 {
		t.Fatalf("orientation read as %d", jpegOrientation(in))
	}
	_, out, err := ReencodePhoto(in)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := jpeg.DecodeConfig(bytes.NewReader(out))
	if cfg.Width != 20 || cfg.Height != 40 {
		t.Fatalf("rotated output %dx%d, want 20x40", cfg.Width, cfg.Height)
	}
}

func TestReencodeShrinksAndRefuses(t *testing.T) {
	big := image.NewRGBA(image.Rect(0, 0, 4000, 1000))
	var buf bytes.Buffer
	png.Encode(&buf, big)
	ctype, out, err := ReencodePhoto(buf.Bytes())
	if err != nil || ctype != "image/png" {
		t.Fatal(ctype, err)
	}
	cfg, _ := png.DecodeConfig(bytes.NewReader(out))
	if cfg.Width != 2048 || cfg.Height != 512 {
		t.Fatalf("shrunk to %dx%d", cfg.Width, cfg.Height)
	}
	for name, data := range map[string][]byte{
		"gif":       []byte("GIF89a...."),
		"html":      []byte("<html><script>alert(1)</script>"),
		"truncated": buf.Bytes()[:40],
		"empty":     nil,
	} {
		if _, _, err := ReencodePhoto(data); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
