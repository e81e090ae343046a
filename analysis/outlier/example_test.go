package outlier_test

import (
	"fmt"

	"github.com/hunchsec/hunch/analysis/outlier"
)

func ExampleFit() {
	var train [][]float64
	for i := range 200 {
		train = append(train, []float64{float64(i % 20), float64(i % 7)})
	}
	f, err := outlier.Fit(train, outlier.Options{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	labels, _ := f.Predict([][]float64{{10, 3}, {500, -400}})
	fmt.Println(labels)
	// Output: [1 -1]
}
