set terminal pngcairo size 1100,600 font 'sans,9'
set output 'chart-throughput.png'
set title 'PUSH/PULL throughput, MB/s (log scale), median of the runs'
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y 10
set grid ytics
set xtics rotate by -40 scale 0
set key top left
set bmargin 6
plot 'chart-throughput.dat' using 2:xtic(1) title 'nanomsg', 'chart-throughput.dat' using 3:xtic(1) title 'nng-compat', 'chart-throughput.dat' using 4:xtic(1) title 'nng', 'chart-throughput.dat' using 5:xtic(1) title 'zmq', 'chart-throughput.dat' using 6:xtic(1) title 'nanoport', 'chart-throughput.dat' using 7:xtic(1) title 'nanoport-cpp'
