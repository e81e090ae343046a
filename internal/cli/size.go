package cli

import "github.com/hunchsec/hunch/internal/bytesize"

// byteSize is a flag value in bytes that accepts sizes such as 16MiB, 512KiB, 1GiB, 10MB, 4096.
type byteSize int64

func (b *byteSize) String() string { return bytesize.Format(int64(*b)) }

func (b *byteSize) Set(s string) error {
	n, err := bytesize.Parse(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

func (b *byteSize) Type() string { return "size" }
