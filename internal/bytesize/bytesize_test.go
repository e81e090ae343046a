package bytesize

import "testing"

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"1048576", 1 << 20, false},
		{"1GiB", 1 << 30, false},
		{"1gib", 1 << 30, false},
		{"500MB", 500e6, false},
		{"1.5KiB", 1536, false},
		{"64k", 64 << 10, false},
		{"10 MiB", 10 << 20, false},
		{"7B", 7, false},
		{"0", 0, false},
		{"", 0, true},
		{"GiB", 0, true},
		{"-1MB", 0, true},
		{"1XB", 0, true},
		{"NaN", 0, true},
		{"9e30GB", 0, true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"1GiB", "500MB", "1.5k", "0", "", "-1", "NaN", "1e400", "9e30GB", " 7 b "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			if n != 0 {
				t.Fatalf("Parse(%q) = %d with error %v", s, n, err)
			}
			return
		}
		if n < 0 {
			t.Fatalf("Parse(%q) = %d, negative", s, n)
		}
	})
}
