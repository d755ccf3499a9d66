import Foundation
import SigmarisAuth

/// TEST-ONLY KEYS: public in this repository, they protect nothing; never use them elsewhere.
///
/// The first generation is Tests/SigmarisAuthTests/Fixtures (`rsa-private.pem`, `ec-private.pem`);
/// the second is what the issuer rotates to: `ec-other-private.pem` and an RSA 2048 key made with
/// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048` for these tests.
enum TestKeys {
    /// RSA 2048, first generation (RS256).
    static let rsaPEM = """
        -----BEGIN PRIVATE KEY-----
        MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDYTXtHay1owhaq
        P6v/6+9C6gxkAALC0EGITdp9rRQlCnABxNDEpdA/8dxK5ZKHJ1rtQV/qQiPvSmE8
        EU0kk5p3kEq2ZoYyGSdD1gKde4O72hZ2Lu8lwGUQycTHGP6VrZ1y0jtujV2rb/8G
        NWt+U2orZJk5Odzqd04/iI63Ogd9juIxcgGCUxymvQ/jn8xPYZjCwj4HpAxVt8PW
        7cJZBl8f7UK8yWw+FK2xIPszSeCD4wdrM3cuomkdgt5dlvD+hcxzrtyuzhC/YHFr
        Ni9LYlC3sgcUs/MQOFh37pIbJBSRQlNZI9WjeQAe3dTv2pfSp51wBnh4+ZVWqjlO
        qdh1nzz1AgMBAAECggEAGwafUx6Yl2C8zTvUZU8Y33732lzH+4hiz8GOfaps/G3P
        7eCmBxQCr6KsGC2T/9ASg9dpwQ7Ph5v/By7QOTQ6FhtQwnaP6N2MsuSgAgZHQObw
        bIbTuZ9O4WicbhX45UHCjPConVkLbZq6Pg/ZpPiOKOrSXDyXFjKe88A/uLQG8JB5
        ZOI1zDLdQJuIC8bwSw3A9ScfnSHRPOutbXjQ6axf/jgQVImkIQMdW1oYWTH4iJKP
        vpevWLTYGS4THtGAUNl9TKZekwbiNGWIkDKDYmDNtksYSm/ly91R+SIAscZxEgUn
        eJz5DgvoA5TRs9ifFnAQity8s1iwpJXXCNqMSCPz0QKBgQD2CvYM1YxVpLiYxBdA
        qlEsMpWOPJM4rFdbJP48KbtcB2LEXblL84HpEgZOPhWPOIgxNWaG458LIqrFvykO
        agSeJu7j0y4hj3fCuoUQBs+Lk4pLMf5K9XrEQ8YQSFNzteD5GVW4wNXxg5eKMP2T
        Iia3Dh9T37zGK5RsILh6V0k4fQKBgQDhDmh9GG1Bm6b/rAAIJr47e43IR7MCcJbf
        3cZemwx+7VVQKTJ2tsyoAD2vLyAZQODuVzUoLf6rBxQMxf09L5u0AkJ5VoG2B2pZ
        MX6ZFsRB1QSfX1XHwBq7sNpWp97Xpa2uquZGLv+4Qe3azUwBW6pnFJBynRobdToM
        L0jamnG32QKBgQCADNxZeZp7yCq6dvOTGBD+66SiTixgxnEAYpReQ2nbT4y7nfud
        57Go11Soy+70hvt6gMxHT5eqd/RgzkhT1CFrHeAeef38QWqW0fQGj0Tc44CJ+g7a
        fD/UfWFLgBjOk83uVp0idlniRBZOOYj/VjrH8nWjdUIN8Qhh7fWU1nCpEQKBgQCL
        GHWaA1PbfdE8KdknMJLYfqeFhlLsChwlppMo+5lAhXz5+0xWNOrOVr/JG04ybXfX
        twyCldLVb52Du4aln1wTaGYfSkkG8RRYpg+BnKGVsouV2L1SpLehE1AOyNgg3iQ3
        VSbXb8ra3dydI89682WhKgOQ4uo02EIVL9BOU7A/GQKBgDCrKgw3mUQqdbU0PR20
        iVAJmqjg/5bc8rgf1PG45BmsL3ScqyGhDA2xE+wkzaUIZj2796uZHu5xtQ36Tap0
        d0ugLeMw0NziDiqO+dk+glC24YKDZdL8Fzgv0H2odpb1IOjkOqHh5zwxOsPJgoe8
        NL9ETVmnFglOK97sfPFAYw8d
        -----END PRIVATE KEY-----
        """

    /// EC P-256, first generation (ES256).
    static let ecPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgPgok8UppHQivoRJ1
        xxKmJiOdtPWN8ArmVqTZzAUv012hRANCAAQcvoZd/AGmW2lUE7IenGAZJcvMg3Xo
        VFLzEj4pjOvJIgpAa3A3PCTnGBtWDmunSflgoVTTbROFZv9P8z5tRTOV
        -----END PRIVATE KEY-----
        """

    /// RSA 2048, second generation.
    static let rotatedRSAPEM = """
        -----BEGIN PRIVATE KEY-----
        MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCbTIRB6G5lk1eJ
        O1N+qt/r0YwtKtvTd7mOJH9i+SMdkZIwgCpUCzB6f/wGTKk7yYX9Hy9MuTgTVqTM
        VhV5fAeAAON/pCpr9hDcGpVSilLn7lxiY2IrL32yyzq7Thx8v5XAxYxbx3UHYxYJ
        m0HD18u14s+SazuqDh95BtzQCixFjCy1J2r88OOhM9N+DyFhOKFxLhg+w6D6Cfko
        r0goROXYeZ42qhop+6lf2B7HHr3OoEUtDRP9AqhLMrgwngAjvY1xuUqmWe31LaBS
        dpNCSkF8AXabV640FbNXQA927RNP8rujfMbr6IA9rMmZ0k2cC3C1VqSiAskRwD2w
        ivXAyBONAgMBAAECggEAI142QsJaHhUD2xOhTNhCnfS/vWuk29DI+BfU0SgXOL01
        84jE2xYfSM7MCW09H4oiU0beYVVPcYwKhSTXyC6YkKzjIucy6BqGtXHybvVks0CE
        Vr32lgo/UNBbBFxiPYDubJQxBpfyzadh1fc/b4g+cyKADoMQeAa2YTxQXqrqcT4D
        795x65HqIFgj8aU3kP0KdQP7mrhYkdjOb+2RlhyHJIu+fg/Tb2RN+5O/qzW3yWxE
        5qKy8S92Ufltb+iy3c8txMez5aeISr2iolvAE0cmU7p/56oqI5u+X44EVcMzAsSY
        lwDrvypQ/O5d6BI9zmaEtyvqIHe7FRUBrXEkkSDhmwKBgQDPFsg/R4g1VlDknAf7
        WHsEpQNfr7hGTWJGY77d4YWBNM82H2piTgJ2GjCmfLEyWMxiyz+grovelw+Mzu5u
        8Uj544q3cP4Gnw79x8NGJeoMVTRxhkGPOINkLTdfLMSa8OqR0wT9O+K8UM3ZLP+6
        NDk1+hKO3Eo+gNH3JpTW867uIwKBgQC/+lnBHkCgvPV4JyN4okpygje6graIhs/G
        /vJTy7cltTj2rXE1vdeTg18EJ/9cfv6PptZIRBJWhX9LKH/LZtp//F/f/+6jgTTU
        4fH+DIPbH6JlLD1/GNWoA6Zkq8KXki1ISp1azKOppPbVoFpPIVJPFDRlAeIozcRR
        UdopovCajwKBgQCe+gdaBMj84TmSdnHuM1ulEiSH5XbaiXeDP/l7jjCWIvtbujxK
        IUbkcXCdrqW9V8v3n75F1RlNFLx8RTNnedWi+Fo6PwTUAnFYw20WQe7t7s8mw4E6
        uJCta8TRTKXVqFL7BXsUCFAkbwfHzDK5OHQfCs4KW/SnDO+jAzxJ06Kb7wKBgCHG
        X8gUFHazB9StvhXZJ5PhyQAtQwPeA+wUqnmHm58stOrhNMuprKWtNSg8CTcyuIJ5
        bbWlFDzYm76TT3hvjf16Xzu/gTKO5saVQcfaV9BTTnTSRbd4nQ5EJiAL/94+v2y6
        g9iXrCuKdEq9PWYyjJKREW672Bgpq2JLLkCpA/+NAoGAWYhwO4yuO3t+AMA2aNMM
        tBHCf4saZqrsN4uVf7euuc328Vrg9O2g5YhL11JH+yKsy9mhq0TH7T3PS87LhbmM
        T+qCnZlARkGnihkq3V5IDB5Rx8xJatpNXFX4iw3TNmqtgRPTvFdEUMOnZWXDafXd
        9CpufOlqyISZp0OsPjL2Unw=
        -----END PRIVATE KEY-----
        """

    /// EC P-256, second generation.
    static let rotatedECPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgIBJZb6f4hND9CHRr
        PghI9PbgffSq3U4DjIOqsXBCRsShRANCAARJ2WwfOVmW05pL0jc6yH4H4C1MFORd
        mr7PHEIhfhpJYnehvArNIZb7V1uLTx953O0LDsPOo/ELZO+G+frfV8te
        -----END PRIVATE KEY-----
        """

    static func signer(_ pem: String, kid: String) throws -> JWTSigner {
        try JWTSigner(privateKeyPEM: pem, keyID: kid)
    }
}
