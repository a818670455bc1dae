fn main() -> std::process::ExitCode {
    socialtop::cli::main()
}
