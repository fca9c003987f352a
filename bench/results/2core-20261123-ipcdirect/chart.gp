set terminal pngcairo size 1152,700 font 'sans,9'
set output 'chart.png'
set title 'nanoport vs the best peer of each row (2026-11-23T09:45:37Z); above 1 = better, dot = the target'
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set logscale y 2
set yrange [0.5:24.7828]
set ylabel 'x the best peer (log scale)'
set xtics rotate by -50 scale 0
set grid ytics
set key top left
set bmargin 12
set rmargin 10
plot 'chart-ratios.dat' using 2:xtic(1) title 'nanoport', 'chart-ratios.dat' using 3:xtic(1) title 'nanoport-cpp', '' using ($0):4 with points pt 7 ps 1.2 lc rgb 'black' title 'target', 1 with lines lc rgb 'gray' dt 2 notitle
