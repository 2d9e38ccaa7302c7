//! `surge notify`: what an operator needs to connect a gateway. `kannel-service` prints the `sms-service` group for
//! Kannel's configuration, whose URL carries the key that lets texts from phones (STOP, START) into Surge.

use std::path::PathBuf;

use crate::Outcome;

#[derive(Debug, clap::Subcommand)]
pub enum NotifyCommand {
    /// Print Kannel's `sms-service` group, pointing at this server's inbound URL with its key.
    KannelService {
        #[arg(long, default_value = "./surge-data")]
        data_dir: PathBuf,
        /// Where Kannel reaches Surge, e.g. http://10.0.0.5:8080.
        #[arg(long)]
        base_url: String,
    },
}

pub fn run(command: NotifyCommand) -> anyhow::Result<Outcome> {
    match command {
        NotifyCommand::KannelService { data_dir, base_url } => {
            let secret = crate::serve::receipt_secret(&data_dir)?;
            let key = surge_web::inbound_key(&secret);
            println!("group = sms-service");
            println!("keyword = default");
            println!(
                "get-url = \"{}/api/notify/kannel/inbound?key={key}&from=%p&text=%a\"",
                base_url.trim_end_matches('/')
            );
            Ok(Outcome::Success)
        }
    }
}
