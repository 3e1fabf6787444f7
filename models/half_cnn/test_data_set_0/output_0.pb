

BlogitsJÕ'Þ!žŒf¬Ö´±'®¬t²R«