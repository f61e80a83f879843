"""The starting catalogue: procedures commonly done at Hanoi's agent points, with public facts.

Codes, names, fields, levels, time limits and fees follow the National Public Service Portal
and the Ministry of Public Security's portal as published; facts that could not be confirmed
against a published source carry a `# verify` comment and must be checked before go-live.
Authority levels follow the two-level local government in force since 1 Jul 2025 (no
district level). Fees are those paid when the dossier is submitted online (agents submit
online); the fee note gives the counter price and who is exempt.

`catalogue_seed()` loads this data into an empty catalogue and does nothing otherwise.
"""

from __future__ import annotations

from app.catalogue.services import procedure_create
from app.catalogue.tables import Procedure
from app.db import write_transaction

HO_TICH = "Hộ tịch"
CU_TRU = "Đăng ký, quản lý cư trú"
CHUNG_THUC = "Chứng thực"
LLTP = "Lý lịch tư pháp"
HO_KINH_DOANH = "Thành lập và hoạt động của hộ kinh doanh"
GPLX = "Sát hạch, cấp giấy phép lái xe"


def doc(
    name: str,
    copy_kind: str = "original",
    *,
    count: int = 1,
    mandatory: bool = True,
    note: str = "",
    colour: bool = False,
) -> dict:
    """One required document. `colour` for photos, ID cards and papers with a red seal."""
    return {
        "name": name,
        "copy_kind": copy_kind,
        "copies": count,
        "mandatory": mandatory,
        "note": note,
        "is_greyscale": not colour,
    }


ID_CARD = doc(
    "Thẻ căn cước / căn cước công dân của người yêu cầu",
    note="Xuất trình để đối chiếu; chụp cả hai mặt.",
    colour=True,
)
POWER_OF_ATTORNEY = doc(
    "Văn bản ủy quyền",
    "original_or_certified_copy",
    mandatory=False,
    note="Chỉ khi người khác đi làm thay; văn bản ủy quyền phải được chứng thực.",
    colour=True,
)
LEGAL_RESIDENCE = doc(
    "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp",
    "copy",
    note=(
        "Không cần nếu thông tin đã có trong Cơ sở dữ liệu quốc gia về dân cư hoặc cơ sở dữ "
        "liệu chuyên ngành; nộp trực tuyến được dùng bản chụp."
    ),
    colour=True,
)
RESIDENCE_FORM = doc(
    "Tờ khai thay đổi thông tin cư trú (mẫu CT01)",
    note=(
        "Người chưa thành niên: ghi ý kiến đồng ý của cha, mẹ hoặc người giám hộ. Ở nhờ, thuê, "
        "mượn: ghi ý kiến đồng ý của chủ hộ hoặc chủ sở hữu chỗ ở."
    ),
)
CITY_FEE_NOTE = (
    "Lệ phí theo Nghị quyết của HĐND Thành phố; kiểm tra trên Cổng Dịch vụ công khi nộp."
)
RESIDENCE_FEE_EXEMPT = (
    "Miễn lệ phí: trẻ em, người cao tuổi, người khuyết tật, người có công với cách mạng và "
    "thân nhân, người thuộc hộ nghèo, đồng bào dân tộc thiểu số ở xã có điều kiện kinh tế - "
    "xã hội đặc biệt khó khăn."  # verify: list of exemptions (Circular 75/2022/TT-BTC)
)

PROCEDURES: list[dict] = [
    {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "field": HO_TICH,
        "authority_level": "commune",
        "service_level": "full_online",  # verify: listed as fully online in Hanoi
        "processing_days": 0,
        "fee_amount": 0,
        "fee_note": (
            "Miễn lệ phí khi đăng ký đúng hạn (trong 60 ngày kể từ ngày sinh). Đăng ký quá hạn: "
            "lệ phí theo Nghị quyết của HĐND Thành phố."  # verify: late-registration fee
        ),
        "agent_allowed": True,
        "description": (
            "Cha, mẹ hoặc người thân đăng ký khai sinh cho trẻ tại UBND cấp xã nơi cư trú của "
            "cha hoặc mẹ. Giải quyết ngay trong ngày; hồ sơ nhận sau 15 giờ thì trả kết quả "
            "trong ngày làm việc tiếp theo. Kết quả: Giấy khai sinh (bản điện tử và bản giấy)."
        ),
        "components": [
            doc("Tờ khai đăng ký khai sinh (theo mẫu)", note="Khai trên biểu mẫu điện tử."),
            doc(
                "Giấy chứng sinh",
                note=(
                    "Không có Giấy chứng sinh: văn bản xác nhận của người làm chứng, hoặc giấy "
                    "cam đoan về việc sinh."
                ),
                colour=True,
            ),
            ID_CARD,
            doc(
                "Giấy chứng nhận kết hôn của cha, mẹ",
                "original_or_certified_copy",
                mandatory=False,
                note="Chỉ khi cha, mẹ đã đăng ký kết hôn mà thông tin chưa có trên hệ thống.",
                colour=True,
            ),
            POWER_OF_ATTORNEY,
        ],
    },
    {
        "code": "3.000722",  # verify: national code of the joint procedure (Decree 63/2024)
        "name": (
            "Liên thông thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, cấp thẻ "
            "bảo hiểm y tế cho trẻ em dưới 6 tuổi"
        ),
        "field": HO_TICH,
        "authority_level": "commune",
        "service_level": "full_online",
        "processing_days": 7,  # verify: total time across the three steps
        "fee_amount": 0,
        "fee_note": (
            "Miễn lệ phí đăng ký khai sinh đúng hạn và lệ phí đăng ký thường trú cho trẻ em. "
            "Thẻ bảo hiểm y tế của trẻ dưới 6 tuổi do ngân sách nhà nước đóng."
        ),
        "agent_allowed": True,
        "description": (
            "Một hồ sơ cho ba việc: khai sinh, đăng ký thường trú và cấp thẻ BHYT cho trẻ dưới "
            "6 tuổi. Nộp trên Cổng Dịch vụ công quốc gia (liên thông) hoặc VNeID."
        ),
        "components": [
            doc(
                "Tờ khai liên thông (biểu mẫu điện tử)",
                note="Gồm thông tin khai sinh, thường trú và cấp thẻ BHYT.",
            ),
            doc(
                "Giấy chứng sinh",
                note="Không có: văn bản của người làm chứng hoặc giấy cam đoan về việc sinh.",
                colour=True,
            ),
            ID_CARD,
            doc(
                "Giấy tờ chứng minh chỗ ở hợp pháp",
                "copy",
                mandatory=False,
                note="Chỉ khi đăng ký thường trú cho trẻ ở nơi khác nơi thường trú của cha, mẹ.",
                colour=True,
            ),
            POWER_OF_ATTORNEY,
        ],
    },
    {
        "code": "1.000894",
        "name": "Đăng ký kết hôn",
        "field": HO_TICH,
        "authority_level": "commune",
        "service_level": "partly_online",
        "processing_days": 0,
        "fee_amount": 0,
        "fee_note": "Miễn lệ phí đăng ký kết hôn giữa công dân Việt Nam cư trú trong nước.",
        "agent_allowed": True,
        "description": (
            "Giải quyết ngay khi nhận đủ giấy tờ; nếu cần xác minh điều kiện kết hôn thì không "
            "quá 05 ngày làm việc. Cả hai bên phải có mặt khi nhận Giấy chứng nhận kết hôn."
        ),
        "components": [
            doc("Tờ khai đăng ký kết hôn (theo mẫu)", note="Hai bên có thể khai chung một tờ."),
            doc(
                "Thẻ căn cước / căn cước công dân của hai bên",
                count=2,
                note="Xuất trình để đối chiếu; chụp cả hai mặt của từng người.",
                colour=True,
            ),
            doc(
                "Giấy xác nhận tình trạng hôn nhân",
                mandatory=False,
                note=(
                    "Chỉ khi một bên không cư trú tại xã nơi đăng ký kết hôn và thông tin chưa "
                    "khai thác được trên hệ thống."
                ),
                colour=True,
            ),
        ],
    },
    {
        "code": "1.000656",
        "name": "Đăng ký khai tử",
        "field": HO_TICH,
        "authority_level": "commune",
        "service_level": "full_online",  # verify
        "processing_days": 0,
        "fee_amount": 0,
        "fee_note": (
            "Miễn lệ phí khi đăng ký đúng hạn (trong 15 ngày kể từ ngày chết). Quá hạn: lệ phí "
            "theo Nghị quyết của HĐND Thành phố."  # verify
        ),
        "agent_allowed": True,
        "description": (
            "Vợ, chồng, con, cha, mẹ hoặc người thân đăng ký khai tử trong 15 ngày kể từ ngày "
            "chết. Giải quyết ngay trong ngày; cần xác minh thì không quá 03 ngày làm việc."
        ),
        "components": [
            doc("Tờ khai đăng ký khai tử (theo mẫu)"),
            doc(
                "Giấy báo tử hoặc giấy tờ thay Giấy báo tử",
                note="Do cơ sở y tế, cơ quan công an hoặc UBND cấp xã cấp.",
                colour=True,
            ),
            ID_CARD,
            POWER_OF_ATTORNEY,
        ],
    },
    {
        "code": "1.004873",
        "name": "Cấp Giấy xác nhận tình trạng hôn nhân",
        "field": HO_TICH,
        "authority_level": "commune",
        "service_level": "full_online",  # verify
        "processing_days": 3,
        "fee_amount": 3000,  # verify: Hanoi rate from Resolution 06/2020/NQ-HĐND (press summary)
        "fee_note": (
            "3.000 ₫ mỗi việc. Miễn cho người thuộc hộ nghèo, người khuyết tật, người có công "
            "với cách mạng và thân nhân."  # verify: exemptions
        ),
        "agent_allowed": True,
        "description": (
            "Xác nhận người yêu cầu đang độc thân hoặc đã kết hôn, để đăng ký kết hôn, mua bán "
            "nhà đất, vay vốn... Giấy xác nhận có giá trị 06 tháng kể từ ngày cấp."
        ),
        "components": [
            doc("Tờ khai cấp Giấy xác nhận tình trạng hôn nhân (theo mẫu)"),
            ID_CARD,
            doc(
                "Giấy tờ chứng minh đã ly hôn, hoặc vợ/chồng đã chết",
                "original_or_certified_copy",
                mandatory=False,
                note="Chỉ khi người yêu cầu đã từng kết hôn.",
                colour=True,
            ),
            POWER_OF_ATTORNEY,
        ],
    },
    {
        "code": "2.000635",
        "name": "Cấp bản sao Trích lục hộ tịch, bản sao Giấy khai sinh",
        "field": HO_TICH,
        "authority_level": "commune",
        "service_level": "full_online",
        "processing_days": 0,
        "fee_amount": 8000,
        "fee_note": "8.000 ₫ mỗi bản sao (Thông tư 281/2016/TT-BTC).",
        "agent_allowed": True,
        "description": (
            "Cấp bản sao Giấy khai sinh, trích lục kết hôn, khai tử... từ Cơ sở dữ liệu hộ tịch. "
            "Trả kết quả ngay trong ngày."
        ),
        "components": [
            doc("Tờ khai cấp bản sao trích lục hộ tịch (theo mẫu)"),
            ID_CARD,
            POWER_OF_ATTORNEY,
        ],
    },
    {
        "code": "1.004884",
        "name": "Đăng ký lại khai sinh",
        "field": HO_TICH,
        "authority_level": "commune",
        "service_level": "partly_online",  # verify
        "processing_days": 5,
        "fee_amount": 0,  # verify: Hanoi fee for re-registration
        "fee_note": CITY_FEE_NOTE,
        "agent_allowed": True,
        "description": (
            "Cho người đã đăng ký khai sinh trước ngày 01/01/2016 mà sổ hộ tịch và bản chính "
            "Giấy khai sinh đều bị mất."
        ),
        "components": [
            doc("Tờ khai đăng ký lại khai sinh (theo mẫu)"),
            doc(
                "Bản sao Giấy khai sinh cũ, hoặc giấy tờ có thông tin khai sinh",
                "copy",
                note=(
                    "Ví dụ học bạ, bằng tốt nghiệp, hồ sơ đảng viên, giấy tờ do cơ quan có thẩm "
                    "quyền cấp."
                ),
                colour=True,
            ),
            ID_CARD,
            POWER_OF_ATTORNEY,
        ],
    },
    {
        "code": "1.004859",
        "name": "Thay đổi, cải chính, bổ sung thông tin hộ tịch, xác định lại dân tộc",
        "field": HO_TICH,
        "authority_level": "commune",
        "service_level": "partly_online",  # verify
        "processing_days": 3,
        "fee_amount": 0,  # verify: Hanoi fee
        "fee_note": CITY_FEE_NOTE,
        "agent_allowed": True,
        "description": (
            "Sửa thông tin sai trên Giấy khai sinh và sổ hộ tịch, thay đổi họ, tên, bổ sung thông "
            "tin còn thiếu. Cần xác minh thì thêm không quá 03 ngày làm việc."
        ),
        "components": [
            doc("Tờ khai đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch (theo mẫu)"),
            doc(
                "Giấy tờ làm căn cứ thay đổi, cải chính, bổ sung",
                "original_or_certified_copy",
                note="Ví dụ học bạ, bằng tốt nghiệp, giấy tờ tùy thân có thông tin đúng.",
                colour=True,
            ),
            ID_CARD,
            POWER_OF_ATTORNEY,
        ],
    },
    {
        "code": "1.000689",
        "name": "Đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con",
        "field": HO_TICH,
        "authority_level": "commune",
        "service_level": "partly_online",  # verify
        "processing_days": 3,  # verify
        "fee_amount": 0,
        "fee_note": (
            "Miễn lệ phí khai sinh đúng hạn; lệ phí nhận cha, mẹ, con theo Nghị quyết của HĐND "
            "Thành phố."  # verify
        ),
        "agent_allowed": True,
        "description": (
            "Khai sinh cho trẻ chưa xác định được cha hoặc mẹ, đồng thời đăng ký nhận cha, mẹ, "
            "con. Các bên liên quan phải có mặt khi đăng ký."
        ),
        "components": [
            doc("Tờ khai đăng ký khai sinh (theo mẫu)"),
            doc("Tờ khai đăng ký nhận cha, mẹ, con (theo mẫu)"),
            doc("Giấy chứng sinh", colour=True),
            doc(
                "Văn bản chứng minh quan hệ cha, mẹ, con",
                "original_or_certified_copy",
                note=(
                    "Văn bản của cơ quan y tế, giám định (ví dụ kết quả ADN); không có thì giấy "
                    "cam đoan và người làm chứng."
                ),
                colour=True,
            ),
            ID_CARD,
        ],
    },
    {
        "code": "1.004222",
        "name": "Đăng ký thường trú",
        "field": CU_TRU,
        "authority_level": "commune",
        "service_level": "partly_online",
        "processing_days": 7,
        "fee_amount": 10000,
        "fee_note": "10.000 ₫ khi nộp trực tuyến (20.000 ₫ tại quầy). " + RESIDENCE_FEE_EXEMPT,
        "agent_allowed": True,
        "description": (
            "Nộp cho Công an cấp xã nơi có chỗ ở hợp pháp. Kết quả được cập nhật vào Cơ sở dữ "
            "liệu về cư trú và thông báo cho người đăng ký."
        ),
        "components": [
            RESIDENCE_FORM,
            LEGAL_RESIDENCE,
            doc(
                "Giấy tờ chứng minh quan hệ nhân thân",
                "copy",
                mandatory=False,
                note="Khi về ở với vợ, chồng, cha, mẹ, con... mà thông tin chưa có trên hệ thống.",
                colour=True,
            ),
        ],
    },
    {
        "code": "1.004194",
        "name": "Đăng ký tạm trú",
        "field": CU_TRU,
        "authority_level": "commune",
        "service_level": "partly_online",
        "processing_days": 3,
        "fee_amount": 7000,
        "fee_note": "7.000 ₫ khi nộp trực tuyến (15.000 ₫ tại quầy). " + RESIDENCE_FEE_EXEMPT,
        "agent_allowed": True,
        "description": (
            "Bắt buộc khi đến ở từ 30 ngày trở lên ngoài xã nơi thường trú (thuê trọ, ở nhờ, "
            "đi học, đi làm). Thời hạn tạm trú tối đa 02 năm và có thể gia hạn."
        ),
        "components": [RESIDENCE_FORM, LEGAL_RESIDENCE],
    },
    {
        "code": "1.002755",
        "name": "Gia hạn tạm trú",
        "field": CU_TRU,
        "authority_level": "commune",
        "service_level": "partly_online",
        "processing_days": 3,
        "fee_amount": 7000,
        "fee_note": "7.000 ₫ khi nộp trực tuyến (15.000 ₫ tại quầy). " + RESIDENCE_FEE_EXEMPT,
        "agent_allowed": True,
        "description": "Làm trong 15 ngày trước khi hết thời hạn tạm trú đã đăng ký.",
        "components": [RESIDENCE_FORM, LEGAL_RESIDENCE],
    },
    {
        "code": "1.003677",
        "name": "Khai báo tạm vắng",
        "field": CU_TRU,
        "authority_level": "commune",
        "service_level": "full_online",
        "processing_days": 1,  # verify
        "fee_amount": 0,
        "fee_note": "Không thu lệ phí.",
        "agent_allowed": True,
        "description": (
            "Cho người đi khỏi xã nơi cư trú từ 12 tháng trở lên (hoặc các trường hợp luật yêu "
            "cầu), trừ khi đã đăng ký tạm trú ở nơi mới."
        ),
        "components": [
            doc("Đề nghị khai báo tạm vắng (theo mẫu)", note="Khai trên biểu mẫu điện tử."),
            ID_CARD,
        ],
    },
    {
        "code": "1.010041",
        "name": "Xác nhận thông tin về cư trú",
        "field": CU_TRU,
        "authority_level": "commune",
        "service_level": "full_online",
        "processing_days": 3,  # verify: half a day when the data is already in the database
        "fee_amount": 0,
        "fee_note": "Không thu lệ phí.",
        "agent_allowed": True,
        "description": (
            "Giấy xác nhận nơi thường trú, tạm trú, thời gian cư trú, dùng thay sổ hộ khẩu khi "
            "cơ quan khác yêu cầu. Có giá trị 30 ngày kể từ ngày cấp."
        ),  # verify: validity period
        "components": [
            doc(
                "Tờ khai thay đổi thông tin cư trú (mẫu CT01)", note="Ghi rõ nội dung cần xác nhận."
            ),
            ID_CARD,
        ],
    },
    {
        "code": "2.000815",
        "name": (
            "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền "
            "của Việt Nam; cơ quan, tổ chức có thẩm quyền của nước ngoài; cơ quan, tổ chức có "
            "thẩm quyền của Việt Nam liên kết với cơ quan, tổ chức có thẩm quyền của nước ngoài "
            "cấp hoặc chứng nhận"
        ),
        "field": CHUNG_THUC,
        "authority_level": "commune",
        "service_level": "partly_online",
        "processing_days": 0,
        "fee_amount": 2000,
        "fee_note": (
            "2.000 ₫/trang cho hai trang đầu, từ trang thứ ba 1.000 ₫/trang, tối đa 200.000 ₫ mỗi "
            "bản (Thông tư 226/2016/TT-BTC)."
        ),
        "agent_allowed": True,
        "description": (
            "Chứng thực bản sao (kể cả bản sao điện tử) từ bản chính. Người yêu cầu phải xuất "
            "trình bản chính; giấy tờ nước ngoài phải được hợp pháp hóa lãnh sự, trừ khi được miễn."
        ),
        "components": [
            doc(
                "Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao",
                note="Chụp màu, rõ dấu đỏ và chữ ký; mang bản chính khi nhận kết quả.",
                colour=True,
            ),
            doc(
                "Bản sao cần chứng thực",
                "copy",
                note="Có thể do cơ quan chứng thực chụp từ bản chính.",
            ),
        ],
    },
    {
        "code": "2.000884",
        "name": (
            "Chứng thực chữ ký trong các giấy tờ, văn bản (áp dụng cho cả trường hợp chứng thực "
            "điểm chỉ và trường hợp người yêu cầu chứng thực không thể ký, không thể điểm chỉ được)"
        ),
        "field": CHUNG_THUC,
        "authority_level": "commune",
        "service_level": "partly_online",
        "processing_days": 0,
        "fee_amount": 10000,
        "fee_note": "10.000 ₫ mỗi trường hợp (Thông tư 226/2016/TT-BTC).",
        "agent_allowed": False,
        "description": (
            "Người yêu cầu phải ký hoặc điểm chỉ trước mặt người thực hiện chứng thực, nên không "
            "làm qua điểm đại lý: hướng dẫn người dân đến Bộ phận Một cửa cấp xã."
        ),
        "components": [
            doc("Giấy tờ, văn bản cần chứng thực chữ ký"),
            ID_CARD,
        ],
    },
    {
        "code": "2.000908",
        "name": "Cấp bản sao từ sổ gốc",
        "field": CHUNG_THUC,
        "authority_level": "commune",
        "service_level": "partly_online",  # verify
        "processing_days": 0,
        "fee_amount": 0,  # verify: copy fee charged by the issuing body
        "fee_note": "Phí cấp bản sao theo quy định của cơ quan đang giữ sổ gốc; kiểm tra khi nộp.",
        "agent_allowed": True,
        "description": (
            "Cơ quan đang giữ sổ gốc cấp bản sao có nội dung đúng như bản chính (ví dụ bản sao "
            "văn bằng, giấy tờ hộ tịch cũ). Người được cấp bản chính hoặc người thân được yêu cầu."
        ),
        "components": [
            ID_CARD,
            doc(
                "Giấy tờ chứng minh quan hệ với người được cấp bản chính",
                "original_or_certified_copy",
                mandatory=False,
                note=(
                    "Khi người yêu cầu là cha, mẹ, con, vợ, chồng, anh, chị, em ruột hoặc người "
                    "thừa kế."
                ),
                colour=True,
            ),
            POWER_OF_ATTORNEY,
        ],
    },
    {
        "code": "3.000333",
        "name": (
            "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại "
            "Việt Nam"
        ),
        "field": LLTP,
        "authority_level": "city",
        "service_level": "full_online",
        "processing_days": 10,
        "fee_amount": 200000,  # verify: rate under the 2025 fee circular
        "fee_note": (
            "200.000 ₫ mỗi lần; sinh viên, người có công với cách mạng, thân nhân liệt sĩ: "
            "100.000 ₫. Miễn phí: trẻ em, người cao tuổi, người khuyết tật, người thuộc hộ nghèo, "
            "người cư trú ở xã đặc biệt khó khăn. Từ phiếu thứ 3 trở đi: 5.000 ₫/phiếu."
        ),  # verify: reduced rates and exemptions (Circular 244/2016/TT-BTC and successors)
        "agent_allowed": True,
        "description": (
            "Công an Thành phố Hà Nội cấp. Thời hạn không quá 10 ngày; trường hợp phải xác minh "
            "thì không quá 15 ngày. Phiếu số 2 chỉ cấp cho chính người yêu cầu, không ủy quyền."
        ),
        "components": [
            doc("Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (theo mẫu)"),
            ID_CARD,
            doc(
                "Văn bản ủy quyền",
                "original_or_certified_copy",
                mandatory=False,
                note="Chỉ với Phiếu số 1; văn bản ủy quyền phải được chứng thực.",
                colour=True,
            ),
        ],
    },
    {
        "code": "1.001612",
        "name": "Đăng ký thành lập hộ kinh doanh",
        "field": HO_KINH_DOANH,
        "authority_level": "commune",
        "service_level": "partly_online",  # verify
        "processing_days": 3,
        "fee_amount": 100000,  # verify: Hanoi rate and any online discount
        "fee_note": "Lệ phí đăng ký hộ kinh doanh theo Nghị quyết của HĐND Thành phố.",
        "agent_allowed": True,
        "description": (
            "Cơ quan đăng ký kinh doanh cấp xã cấp Giấy chứng nhận đăng ký hộ kinh doanh trong "
            "03 ngày làm việc kể từ khi nhận đủ hồ sơ hợp lệ."
        ),
        "components": [
            doc("Giấy đề nghị đăng ký hộ kinh doanh (theo mẫu)"),
            doc(
                "Giấy tờ pháp lý của cá nhân chủ hộ kinh doanh và các thành viên hộ gia đình",
                "copy",
                note="Không cần nếu thông tin đã có trong Cơ sở dữ liệu quốc gia về dân cư.",
                colour=True,
            ),
            doc(
                "Biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh",
                "copy",
                mandatory=False,
                note="Chỉ khi các thành viên hộ gia đình cùng đăng ký hộ kinh doanh.",
            ),
            doc(
                "Văn bản ủy quyền của thành viên hộ gia đình cho một thành viên làm chủ hộ",
                "copy",
                mandatory=False,
                colour=True,
            ),
            doc(
                "Hợp đồng thuê, mượn địa điểm kinh doanh",
                "copy",
                mandatory=False,
                note="Khi kinh doanh ở nơi không thuộc sở hữu của chủ hộ.",
            ),
        ],
    },
    {
        "code": "1.002804",  # verify: national code after the move to the police (1 Mar 2025)
        "name": "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
        "field": GPLX,
        "authority_level": "city",
        "service_level": "full_online",
        "processing_days": 5,  # verify
        "fee_amount": 135000,  # verify: Circular 37/2023/TT-BTC rate; online discount ended 2025
        "fee_note": "135.000 ₫ mỗi lần đổi.",
        "agent_allowed": True,
        "description": (
            "Đổi giấy phép lái xe sắp hết hạn, hư hỏng hoặc sang mẫu mới. Giấy khám sức khỏe "
            "phải được cơ sở y tế liên thông dữ liệu điện tử. Kết quả có thể gửi qua bưu điện."
        ),
        "components": [
            doc("Đơn đề nghị đổi giấy phép lái xe (theo mẫu)"),
            doc("Giấy phép lái xe đang dùng", note="Chụp cả hai mặt.", colour=True),
            doc(
                "Giấy khám sức khỏe của người lái xe",
                note="Không cần nộp nếu cơ sở y tế đã gửi kết quả khám lên hệ thống.",  # verify
                mandatory=False,
                colour=True,
            ),
            doc("Ảnh chân dung nền trắng", note="Chụp thẳng, rõ mặt; nền trắng.", colour=True),
            ID_CARD,
        ],
    },
]


async def catalogue_seed() -> int:
    """Loads the starting catalogue into an empty procedure table; returns how many were added.

    Safe to run at every start: it adds nothing once any procedure exists.
    """
    async with write_transaction(Procedure._meta.db):
        if await Procedure.count():
            return 0
        for procedure in PROCEDURES:
            values = {k: v for k, v in procedure.items() if k != "components"}
            await procedure_create(values=values, components=procedure["components"])
    return len(PROCEDURES)
