//! Creating an auth key on a fresh connection: the four plain messages of
//! the Diffie-Hellman exchange (<https://core.telegram.org/mtproto/auth_key>),
//! driven over a stream with the pure steps of [`crate::auth`].

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_util::codec::{Decoder, Encoder};

use crate::auth::{self, DhOutcome, Finished, KeySet};
use crate::mtp::plain::Plain;
use crate::mtp::{Random, Role};
use crate::rpc::InvocationError;
use crate::transport::Codec;
use tl::{Deserializable, Serializable};

use super::clock;

/// Writes one plain message and reads the plain answer.
async fn roundtrip<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    codec: &mut Codec,
    rbuf: &mut BytesMut,
    plain: &mut Plain,
    body: &[u8],
) -> Result<Vec<u8>, InvocationError> {
    let frame = plain.pack(body, clock::now().unix);
    let mut wbuf = BytesMut::new();
    codec.encode(Bytes::from(frame), &mut wbuf)?;
    stream.write_all(&wbuf).await?;
    loop {
        if let Some(frame) = codec.decode(rbuf)? {
            return plain
                .unpack(&frame)
                .map_err(|e| InvocationError::Authentication(format!("bad plain message: {e}")));
        }
        if stream.read_buf(rbuf).await? == 0 {
            return Err(InvocationError::Io(
                "the server closed the connection during the key exchange".into(),
            ));
        }
    }
}

fn decode<T: Deserializable>(body: &[u8]) -> Result<T, InvocationError> {
    T::from_bytes(body)
        .map_err(|e| InvocationError::Authentication(format!("undecodable answer: {e}")))
}

fn auth_err(e: auth::Error) -> InvocationError {
    InvocationError::Authentication(e.to_string())
}

/// Runs the key exchange for DC `dc` (as `p_q_inner_data_dc` names it) on
/// an open connection.
pub async fn create_auth_key<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    codec: &mut Codec,
    rbuf: &mut BytesMut,
    keys: &KeySet,
    dc: i32,
    rng: &mut (dyn Random + Send),
) -> Result<Finished, InvocationError> {
    let mut plain = Plain::new(Role::Client);
    let mut nonce = [0u8; 16];
    rng.fill(&mut nonce);
    let (req, step1) = auth::step1(nonce);
    let res_pq = decode(&roundtrip(stream, codec, rbuf, &mut plain, &req.to_bytes()).await?)?;

    let mut random2 = [0u8; auth::STEP2_RANDOM_LEN];
    rng.fill(&mut random2);
    let (req, step2) = auth::step2(step1, res_pq, keys, dc, &random2).map_err(auth_err)?;
    let dh_params = decode(&roundtrip(stream, codec, rbuf, &mut plain, &req.to_bytes()).await?)?;

    let mut random3 = [0u8; auth::STEP3_RANDOM_LEN];
    rng.fill(&mut random3);
    let now_unix = i32::try_from(clock::now().unix.as_secs()).unwrap_or(i32::MAX);
    let (mut req, mut step3) =
        auth::step3(step2, dh_params, &random3, now_unix).map_err(auth_err)?;
    loop {
        let answer = decode(&roundtrip(stream, codec, rbuf, &mut plain, &req.to_bytes()).await?)?;
        match auth::create_key(step3, answer).map_err(auth_err)? {
            DhOutcome::Finished(done) => return Ok(done),
            DhOutcome::Retry(retry) => {
                rng.fill(&mut random3);
                (req, step3) = auth::step3_retry(retry, &random3).map_err(auth_err)?;
            }
        }
    }
}
