<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Model;

use Magento\Framework\App\ResourceConnection;
use Magento\Framework\Exception\CouldNotSaveException;
use Magento\Framework\Exception\InputException;
use Magento\Framework\Serialize\Serializer\Json;
use Magento\InventoryReservationsApi\Model\AppendReservationsInterface;
use Magento\InventoryReservationsApi\Model\ReservationBuilderInterface;
use SalesChannel\Reservations\Api\Data\CommandInterface;
use SalesChannel\Reservations\Api\Data\ResultInterface;
use SalesChannel\Reservations\Api\Data\ResultInterfaceFactory;
use SalesChannel\Reservations\Api\ReservationCommandInterface;

/**
 * Records the command's key and appends its MSI reservations in one database transaction:
 * a key already recorded appends nothing, so placing or releasing twice changes nothing.
 */
class ReservationCommand implements ReservationCommandInterface
{
    public const TABLE = 'sales_channel_reservation_command';
    private const MAX_KEY_LENGTH = 191;

    public function __construct(
        private readonly ResourceConnection $resource,
        private readonly ReservationBuilderInterface $reservationBuilder,
        private readonly AppendReservationsInterface $appendReservations,
        private readonly ResultInterfaceFactory $resultFactory,
        private readonly Json $json
    ) {
    }

    public function execute(CommandInterface $command): ResultInterface
    {
        $this->validate($command);
        $items = array_values(array_filter(
            $command->getItems(),
            static fn ($item): bool => abs($item->getQuantity()) > 0.0
        ));
        $result = $this->resultFactory->create();
        if ($items === []) {
            return $result->setApplied(false);
        }
        $metadata = $command->getMetadata();
        $metadataJson = $this->json->serialize([
            'event_type' => $metadata->getEventType(),
            'object_type' => $metadata->getObjectType(),
            'object_id' => $metadata->getObjectId(),
        ]);
        $itemsJson = $this->json->serialize(array_map(
            static fn ($item): array => ['sku' => $item->getSku(), 'quantity' => $item->getQuantity()],
            $items
        ));

        $connection = $this->resource->getConnection();
        $connection->beginTransaction();
        try {
            $inserted = $connection->insertOnDuplicate(
                $this->resource->getTableName(self::TABLE),
                [
                    'reservation_key' => $command->getReservationKey(),
                    'stock_id' => $command->getStockId(),
                    'event_type' => $metadata->getEventType(),
                    'object_id' => $metadata->getObjectId(),
                    'items' => $itemsJson,
                ],
                ['reservation_key']
            );
            // MySQL reports 1 affected row for an insert, 0 or 2 when the key already existed.
            if ($inserted === 1) {
                $reservations = [];
                foreach ($items as $item) {
                    $reservations[] = $this->reservationBuilder
                        ->setSku($item->getSku())
                        ->setQuantity($item->getQuantity())
                        ->setStockId($command->getStockId())
                        ->setMetadata($metadataJson)
                        ->build();
                }
                $this->appendReservations->execute($reservations);
            }
            $connection->commit();
        } catch (\Throwable $exception) {
            $connection->rollBack();
            throw new CouldNotSaveException(
                __('Could not apply reservation %1: %2', $command->getReservationKey(), $exception->getMessage()),
                $exception instanceof \Exception ? $exception : null
            );
        }
        return $result->setApplied(true);
    }

    /**
     * @throws InputException
     */
    private function validate(CommandInterface $command): void
    {
        $key = trim($command->getReservationKey());
        if ($key === '' || strlen($key) > self::MAX_KEY_LENGTH) {
            throw new InputException(__('reservation_key must be 1 to %1 characters.', self::MAX_KEY_LENGTH));
        }
        if ($command->getStockId() < 1) {
            throw new InputException(__('stock_id must be a positive stock id.'));
        }
        $metadata = $command->getMetadata();
        if ($metadata->getEventType() === '' || $metadata->getObjectType() === '' || $metadata->getObjectId() === '') {
            throw new InputException(__('metadata needs event_type, object_type and object_id.'));
        }
        foreach ($command->getItems() as $item) {
            if (trim($item->getSku()) === '') {
                throw new InputException(__('Every item needs a sku.'));
            }
            if (!is_finite($item->getQuantity())) {
                throw new InputException(__('Item %1 has no valid quantity.', $item->getSku()));
            }
        }
    }
}
