# R survey anchor: rake() then svymean() for each question, on the benchmark's arrays.
# Usage: Rscript r_survey.R DIR MODE QUESTIONS   (MODE: tight | default)
args <- commandArgs(TRUE)
dir <- args[1]; mode <- args[2]; nq <- as.integer(args[3])
suppressMessages(library(survey)); suppressMessages(library(jsonlite))
meta <- fromJSON(file.path(dir, "meta.json"), simplifyVector = FALSE)
n <- meta$n
rd_int8 <- function(name) readBin(file.path(dir, name), what = integer(), n = n, size = 1, signed = TRUE)
t_load <- proc.time()[["elapsed"]]
df <- data.frame(w0 = rep(1, n))
for (f in meta$features) df[[f$name]] <- factor(rd_int8(paste0(f$name, ".bin")), levels = 0:(f$k - 1))
qs <- meta$questions[seq_len(min(nq, length(meta$questions)))]
for (q in qs) {
  if (q$kind == "single") {
    x <- rd_int8(paste0(q$name, ".bin")); x[x < 0] <- NA
    df[[q$name]] <- factor(x, levels = 0:(q$k - 1))
  } else {
    x <- readBin(file.path(dir, paste0(q$name, ".bin")), what = double(), n = n, size = 8)
    x[is.nan(x)] <- NA
    df[[q$name]] <- x
  }
}
t_load <- proc.time()[["elapsed"]] - t_load
des <- svydesign(ids = ~1, weights = ~w0, data = df)
pm <- lapply(meta$features, function(f) {
  x <- data.frame(factor(0:(f$k - 1), levels = 0:(f$k - 1)), unlist(f$share) * n)
  names(x) <- c(f$name, "Freq"); x
})
sm <- lapply(meta$features, function(f) as.formula(paste0("~", f$name)))
ctrl <- if (mode == "tight") list(maxit = 500, epsilon = 1e-11) else list(maxit = 10, epsilon = 1)
t0 <- proc.time()[["elapsed"]]
r <- suppressWarnings(rake(des, sm, pm, control = ctrl))
t_rake <- proc.time()[["elapsed"]] - t0
est <- list(); t_mean <- 0
for (q in qs) {
  t0 <- proc.time()[["elapsed"]]
  m <- svymean(as.formula(paste0("~", q$name)), r, na.rm = TRUE)
  t_mean <- t_mean + proc.time()[["elapsed"]] - t0
  est[[q$name]] <- list(estimate = unname(coef(m)), se = unname(SE(m)))
}
writeBin(as.double(weights(r)), file.path(dir, paste0("r_weights_", mode, ".bin")))
write(toJSON(list(load_seconds = t_load, rake_seconds = t_rake, mean_seconds = t_mean,
                  questions = length(qs), estimates = est), digits = NA, auto_unbox = TRUE),
      file.path(dir, paste0("r_", mode, ".json")))
